// The Wayback Machine's CDX index, as the residue lookup reads it (contract 6a).
import { FetchError } from '../errors.js';
import { parsePostUrl } from '../extract/index.js';
import {
  idPrefixes,
  isInWindow,
  sharedPrefix,
  type CdxLookup,
  type CdxPost,
  type CdxSnapshot,
  type SnowflakeWindow,
} from '../model/index.js';
import type { Clock, ExchangeRecorder, Fetcher } from '../ports.js';

/**
 * The query for the status URLs of one account under one host form whose id starts
 * with one of `idPrefixes` (snowflake.ts idPrefixes), captured from `from` (YYYYMMDD)
 * on. A capture can come long after its post, so there is no `to`: the ids keep the
 * answer to the days asked about instead, by a URL prefix of the digits they share and
 * a filter on the rest. `collapse=urlkey` gives each URL once.
 */
export function cdxQueryUrl(options: {
  host: 'twitter.com' | 'x.com';
  handle: string;
  idPrefixes: readonly string[];
  from: string;
}): string {
  const shared = sharedPrefix(options.idPrefixes);
  const params = new URLSearchParams({
    url: `${options.host}/${options.handle}/status/${shared}*`,
    from: options.from,
    output: 'json',
    fl: 'urlkey,timestamp,original,mimetype,statuscode',
    collapse: 'urlkey',
  });
  // The CDX server matches a filter against the whole field.
  if (options.idPrefixes.some((prefix) => prefix !== shared))
    params.set('filter', `urlkey:.*/status/(?:${options.idPrefixes.join('|')})[0-9]*.*`);
  return `https://web.archive.org/cdx/search/cdx?${params.toString()}`;
}

/** Why a CDX answer could not be read. */
export class CdxFormatError extends Error {}

/**
 * Reads a CDX answer in `output=json` form: rows of strings, the first row the field
 * names (in whatever order `fl` asked for), `[]` when nothing matched. Each post id
 * appears once, with every snapshot of its twitter.com and x.com URLs (with or without
 * `/photo/1` or a query), ids kept as strings. Rows whose URL is not a post's are
 * skipped; an answer that is not such an array throws CdxFormatError.
 */
export function parseCdxAnswer(body: string): CdxPost[] {
  let rows: unknown;
  try {
    rows = JSON.parse(body.trim() === '' ? '[]' : body);
  } catch {
    throw new CdxFormatError('the CDX answer is not JSON');
  }
  if (!isRowsOfStrings(rows)) throw new CdxFormatError('the CDX answer is not an array of rows of strings');
  return mergeCdxPosts([], postsOfRows(rows));
}

function isRowsOfStrings(value: unknown): value is string[][] {
  return (
    Array.isArray(value) && value.every((row) => Array.isArray(row) && row.every((cell) => typeof cell === 'string'))
  );
}

function postsOfRows(rows: readonly string[][]): CdxPost[] {
  const [names, ...data] = rows;
  if (names === undefined) return [];
  const column = (name: string): number => names.indexOf(name);
  const [timestampAt, originalAt, mimetypeAt, statusAt] = ['timestamp', 'original', 'mimetype', 'statuscode'].map(
    column,
  );
  if (timestampAt === undefined || originalAt === undefined || timestampAt < 0 || originalAt < 0) {
    throw new CdxFormatError(`the CDX answer's field names lack timestamp or original: ${JSON.stringify(names)}`);
  }
  const posts: CdxPost[] = [];
  for (const row of data) {
    const original = row[originalAt];
    const timestamp = row[timestampAt];
    if (original === undefined || timestamp === undefined || !/^\d{14}$/.test(timestamp)) continue;
    // Old captures name the port (`http://twitter.com:80/…`) and some have no scheme.
    const withScheme = /^https?:\/\//i.test(original) ? original : `https://${original}`;
    const reference = parsePostUrl(withScheme.replace(/^(https?:\/\/[^/:?#]+):\d+/i, '$1'));
    if (reference === undefined) continue;
    const snapshot: CdxSnapshot = { timestamp, original };
    const mimetype = mimetypeAt === undefined || mimetypeAt < 0 ? undefined : row[mimetypeAt];
    const statuscode = statusAt === undefined || statusAt < 0 ? undefined : row[statusAt];
    if (mimetype !== undefined) snapshot.mimetype = mimetype;
    if (statuscode !== undefined) snapshot.statuscode = statuscode;
    posts.push({
      id: reference.id,
      ...(reference.handle === undefined ? {} : { handle: reference.handle }),
      snapshots: [snapshot],
    });
  }
  return posts;
}

/** Two lists of posts as one, each id once, its snapshots oldest first and each once. */
export function mergeCdxPosts(first: readonly CdxPost[], second: readonly CdxPost[]): CdxPost[] {
  const byId = new Map<string, CdxPost>();
  for (const post of [...first, ...second]) {
    const known = byId.get(post.id);
    if (known === undefined) {
      byId.set(post.id, { ...post, snapshots: [...post.snapshots] });
      continue;
    }
    if (known.handle === undefined && post.handle !== undefined) known.handle = post.handle;
    for (const snapshot of post.snapshots) {
      if (
        !known.snapshots.some((other) => other.timestamp === snapshot.timestamp && other.original === snapshot.original)
      )
        known.snapshots.push(snapshot);
    }
  }
  const posts = [...byId.values()];
  for (const post of posts)
    post.snapshots.sort((a, b) => a.timestamp.localeCompare(b.timestamp) || a.original.localeCompare(b.original));
  return posts;
}

/**
 * Asks the CDX for the account's status URLs in the window, under both the twitter.com
 * and the x.com form, every request and answer archived. A failed request ends the
 * lookup with its error: the other form alone could miss the post.
 */
export async function lookupCdxPosts(
  target: { handle: string; window: SnowflakeWindow },
  ports: { fetcher: Fetcher; record: ExchangeRecorder; clock: Clock },
): Promise<CdxLookup> {
  const checkedAt = ports.clock.now().toISOString();
  const prefixes = idPrefixes(target.window);
  const from = target.window.from.slice(0, 10).replace(/-/g, '');
  let posts: CdxPost[] = [];
  let rows = 0;
  for (const host of ['twitter.com', 'x.com'] as const) {
    const url = cdxQueryUrl({ host, handle: target.handle, idPrefixes: prefixes, from });
    try {
      const exchange = await ports.fetcher.fetch(url, { headers: { accept: 'application/json' } });
      await ports.record(exchange);
      const status = exchange.response.status;
      if (status !== 200) {
        const code = status === 429 || status === 503 ? 'RATE_LIMITED' : 'HTTP_STATUS';
        return {
          checkedAt,
          rows,
          posts: [],
          error: { code, message: `the Wayback CDX answered HTTP ${status} to ${url}` },
        };
      }
      const found = parseCdxAnswer(exchange.decodedBody().toString('utf8'));
      rows += found.length;
      posts = mergeCdxPosts(posts, found);
    } catch (error) {
      if (error instanceof FetchError)
        return { checkedAt, rows, posts: [], error: { code: error.code, message: error.message } };
      if (error instanceof CdxFormatError)
        return { checkedAt, rows, posts: [], error: { code: 'BAD_RESPONSE', message: `${url}: ${error.message}` } };
      throw error;
    }
  }
  return { checkedAt, rows, posts: posts.filter((post) => isInWindow(post.id, target.window)) };
}
