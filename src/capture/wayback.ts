import { FetchError } from '../errors.js';
import { postUrl, type Capture, type PostHost } from '../model/index.js';
import type { ExchangeRecorder, Fetcher } from '../ports.js';
import { readWaybackPost, type WaybackPost } from './wayback-post.js';

/** A post's copy in the Wayback Machine: where it is archived, and what it says of the post. */
export interface WaybackCopy {
  capture: Capture;
  post: WaybackPost;
}

/**
 * Looks for a post in the Wayback Machine under both the twitter.com and the x.com
 * form of its URL (older captures sit under twitter.com, often as JSON) and, when
 * a copy is there, captures it as the archive holds it (the `id_` form, without
 * the Wayback banner and rewritten links), along with the post read from it.
 */
export async function findWaybackCopy(
  target: { id: string; handle?: string },
  options: { fetcher: Fetcher; record: ExchangeRecorder; around?: string | undefined },
): Promise<WaybackCopy | undefined> {
  const timestamp = options.around === undefined ? undefined : waybackTimestamp(options.around);
  const hosts: readonly PostHost[] = ['twitter.com', 'x.com'];
  for (const host of hosts) {
    const original = postUrl(target, host);
    const availability = `https://archive.org/wayback/available?url=${encodeURIComponent(original)}${timestamp ? `&timestamp=${timestamp}` : ''}`;
    const snapshot = await closestSnapshot(availability, options);
    if (snapshot === undefined) continue;
    try {
      const exchange = await options.fetcher.fetch(snapshot);
      const recorded = await options.record(exchange);
      if (exchange.response.status >= 200 && exchange.response.status < 300) {
        return {
          capture: { ...recorded, via: 'wayback' },
          post: readWaybackPost(exchange.decodedBody().toString('utf8'), exchange.header('content-type')),
        };
      }
    } catch (error) {
      if (!(error instanceof FetchError)) throw error;
    }
  }
  return undefined;
}

async function closestSnapshot(
  availabilityUrl: string,
  options: { fetcher: Fetcher; record: ExchangeRecorder },
): Promise<string | undefined> {
  let body: string;
  try {
    const exchange = await options.fetcher.fetch(availabilityUrl, { headers: { accept: 'application/json' } });
    await options.record(exchange);
    if (exchange.response.status !== 200) return undefined;
    body = exchange.decodedBody().toString('utf8');
  } catch (error) {
    if (!(error instanceof FetchError)) throw error;
    return undefined;
  }
  try {
    const closest = (
      JSON.parse(body) as {
        archived_snapshots?: { closest?: { available?: boolean; url?: string; timestamp?: string } };
      }
    ).archived_snapshots?.closest;
    if (closest?.available !== true || typeof closest.url !== 'string') return undefined;
    return rawSnapshotUrl(closest.url, closest.timestamp);
  } catch {
    return undefined;
  }
}

/** `http://web.archive.org/web/<ts>/<url>` -> `https://web.archive.org/web/<ts>id_/<url>`: the original bytes. */
export function rawSnapshotUrl(snapshotUrl: string, timestamp: string | undefined): string | undefined {
  const match = /^https?:\/\/web\.archive\.org\/web\/(\d{1,14})(?:[a-z]{2}_)?\/(.+)$/i.exec(snapshotUrl);
  if (!match) return undefined;
  return `https://web.archive.org/web/${timestamp ?? match[1]}id_/${match[2]}`;
}

function waybackTimestamp(iso: string): string {
  return iso.replace(/[-:T]/g, '').slice(0, 14);
}
