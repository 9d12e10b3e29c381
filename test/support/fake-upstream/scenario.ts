import { isIP } from 'node:net';

import type { Photo, Post, PostInput, PostState } from './post-model.js';
import { buildPost, POST_STATES } from './post-model.js';
import { encodeText } from './text-encoding.js';
import { waybackCopyOf, type WaybackCopyInput } from './wayback-copies.js';

export interface ShortLinkOptions {
  /**
   * Lead to X's interstitial `https://twitter.com/safety/unsafe_link_warning?unsafe_link=<url>`
   * instead of the target itself, as t.co does for links X flags. Default false.
   */
  unsafe?: boolean;
  /** The page browsers get has no `<head>`, as some real t.co pages do not. Default false. */
  withoutHead?: boolean;
}

export interface ShortLink {
  /** Where t.co sends the client: the target, or its unsafe-link wrapper. */
  location: string;
  withoutHead: boolean;
}

export interface PageOptions {
  /** Default 200. */
  status?: number;
  /** Sent as given; a Content-Type here replaces the default one. Default none. */
  headers?: Readonly<Record<string, string>>;
  /** Default empty. A string is encoded in `charset`, else UTF-8. */
  body?: string | Buffer;
  /**
   * Named in the default `Content-Type: text/html; charset=<charset>` and used to encode a
   * string body (utf-8, iso-8859-1 or windows-1252). Default: no charset in the header,
   * which leaves `<meta charset>` in the body, or a sniff, to the client.
   */
  charset?: string;
  /** Gzip the body for a client whose Accept-Encoding allows it. Default false. */
  gzip?: boolean;
  /** Wait this long before answering (on top of the upstream's latency). Default 0. */
  delayMs?: number;
  /** Never answer; the request ends only when the client gives up or the fake closes. Default false. */
  hang?: boolean;
  /**
   * Stream a body of exactly this many bytes (before gzip): `body` first, then spaces,
   * generated as it is sent so that even 20 MiB is never held in memory. Default: just `body`.
   */
  bytes?: number;
}

export interface Page {
  status: number;
  /** Lower-case names; always with a Content-Type. */
  headers: Record<string, string>;
  body: Buffer;
  gzip: boolean;
  delayMs: number;
  hang: boolean;
  bytes: number | undefined;
}

export interface WaybackSnapshotInput {
  /** YYYYMMDDhhmmss. */
  timestamp: string;
  body: string | Buffer;
  /** Default 'text/html; charset=utf-8'. */
  contentType?: string;
}

export interface WaybackSnapshot {
  /** The URL as it was archived, scheme included. */
  originalUrl: string;
  timestamp: string;
  body: Buffer;
  contentType: string;
}

export interface FailureOptions {
  /** Sent as Retry-After with each of these answers: seconds or an HTTP date. Default none. */
  retryAfter?: string;
}

export interface Failure {
  status: number;
  retryAfter: string | undefined;
}

/** A host and port the scenario serves, for the routes. */
export interface Origin {
  host: string;
  port: number;
  secure: boolean;
}

/**
 * Everything a test has told the fake upstreams. Handlers read it on each request,
 * so a test can change it between requests (a post deleted after capture, a page that
 * starts failing).
 */
export class Scenario {
  private readonly posts = new Map<string, Post>();
  private readonly shortLinks = new Map<string, ShortLink>();
  private readonly pages = new Map<string, Page>();
  private readonly snapshots = new Map<string, WaybackSnapshot[]>();
  private readonly failures = new Map<string, { statuses: number[]; retryAfter: string | undefined }>();

  addPost(input: PostInput): void {
    const post = buildPost(input);
    this.posts.set(post.id, post);
    // What t.co would answer for the post's own links. A link the test registered
    // itself, before or after, wins.
    const linkTargets = post.links.map((link) => [link.url, link.expandedUrl] as const);
    if (post.media !== undefined) {
      linkTargets.push([post.media.shortLink, `https://twitter.com/${post.handle}/status/${post.id}/photo/1`]);
    }
    for (const [shortLink, target] of linkTargets) {
      const code = shortLink.slice('https://t.co/'.length);
      if (!this.shortLinks.has(code)) this.addShortLink(code, target);
    }
  }

  setPostState(id: string, state: PostState): void {
    const post = this.posts.get(id);
    if (post === undefined) throw new Error(`setPostState: no post ${id}; add it with addPost first`);
    if (!POST_STATES.includes(state)) throw new Error(`setPostState: unknown state ${JSON.stringify(state)}`);
    post.state = state;
  }

  post(id: string): Post | undefined {
    return this.posts.get(id);
  }

  /** The display name of the account, where a post of it was added. */
  authorName(handle: string): string | undefined {
    const wanted = handle.toLowerCase();
    return [...this.posts.values()].find((post) => post.handle.toLowerCase() === wanted)?.name;
  }

  authorByUserId(userId: string): Post | undefined {
    return [...this.posts.values()].find((post) => post.userId === userId);
  }

  photo(fileName: string): Photo | undefined {
    for (const post of this.posts.values()) {
      const photo = post.media?.photos.find((candidate) => candidate.fileName === fileName);
      if (photo !== undefined) return photo;
    }
    return undefined;
  }

  addShortLink(code: string, targetUrl: string, options: ShortLinkOptions = {}): void {
    if (!/^\w+$/.test(code)) throw new Error(`addShortLink: bad code ${JSON.stringify(code)}`);
    const target = new URL(targetUrl).href;
    const location =
      options.unsafe === true
        ? `https://twitter.com/safety/unsafe_link_warning?unsafe_link=${encodeURIComponent(target)}`
        : target;
    this.shortLinks.set(code, { location, withoutHead: options.withoutHead === true });
  }

  shortLink(code: string): ShortLink | undefined {
    return this.shortLinks.get(code);
  }

  addPage(url: string, options: PageOptions = {}): void {
    if (options.bytes !== undefined && (!Number.isSafeInteger(options.bytes) || options.bytes < 0)) {
      throw new Error(`addPage: bytes must be a non-negative integer, got ${options.bytes}`);
    }
    const headers = Object.fromEntries(
      Object.entries(options.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
    );
    headers['content-type'] ??= options.charset === undefined ? 'text/html' : `text/html; charset=${options.charset}`;
    const body = options.body ?? '';
    this.pages.set(pageKey(new URL(url)), {
      status: options.status ?? 200,
      headers,
      body: typeof body === 'string' ? encodeText(body, options.charset ?? 'utf-8') : body,
      gzip: options.gzip === true,
      delayMs: options.delayMs ?? 0,
      hang: options.hang === true,
      bytes: options.bytes,
    });
  }

  addRedirect(url: string, location: string, status = 301): void {
    this.addPage(url, { status, headers: { location } });
  }

  /**
   * The page added for this URL; else, where the URL has a query, the page added for
   * it without one, as most sites ignore parameters they do not know (utm_*, amp).
   */
  page(url: URL): Page | undefined {
    const exact = this.pages.get(pageKey(url));
    if (exact !== undefined || url.search === '') return exact;
    const withoutQuery = new URL(url);
    withoutQuery.search = '';
    return this.pages.get(pageKey(withoutQuery));
  }

  addWaybackSnapshot(originalUrl: string, snapshot: WaybackSnapshotInput): void {
    if (!/^\d{14}$/.test(snapshot.timestamp)) {
      throw new Error(`addWaybackSnapshot: timestamp must be YYYYMMDDhhmmss, got ${snapshot.timestamp}`);
    }
    const key = waybackKey(originalUrl);
    const list = this.snapshots.get(key) ?? [];
    list.push({
      originalUrl: new URL(originalUrl).href,
      timestamp: snapshot.timestamp,
      body: typeof snapshot.body === 'string' ? Buffer.from(snapshot.body, 'utf8') : snapshot.body,
      contentType: snapshot.contentType ?? 'text/html; charset=utf-8',
    });
    this.snapshots.set(key, list);
  }

  /** A copy of a post, as it is now, in the Wayback Machine: its x.com page, or the JSON of an old twitter.com capture. */
  addWaybackCopy(postId: string, copy: WaybackCopyInput): void {
    const post = this.posts.get(postId);
    if (post === undefined) throw new Error(`addWaybackCopy: no post ${postId}; add it with addPost first`);
    const { url, snapshot } = waybackCopyOf(post, copy);
    this.addWaybackSnapshot(url, snapshot);
  }

  /** The snapshots of one URL; the Wayback Machine ignores scheme, `www.` and case when it matches. */
  snapshotsOf(url: string): readonly WaybackSnapshot[] {
    return this.snapshots.get(waybackKey(url)) ?? [];
  }

  /** Every snapshot whose URL, in the Wayback Machine's matching form, starts with `prefix`. */
  snapshotsUnder(prefix: string): WaybackSnapshot[] {
    const wanted = waybackKey(prefix);
    return [...this.snapshots.entries()].filter(([key]) => key.startsWith(wanted)).flatMap(([, list]) => list);
  }

  failNext(target: string, statuses: readonly number[], options: FailureOptions = {}): void {
    if (
      statuses.length === 0 ||
      !statuses.every((status) => Number.isInteger(status) && status >= 100 && status <= 599)
    ) {
      throw new Error(`failNext: statuses must be HTTP status codes, got ${JSON.stringify(statuses)}`);
    }
    this.failures.set(failureKey(target), { statuses: [...statuses], retryAfter: options.retryAfter });
  }

  /** Takes the next planned failure for this URL, else for its host. */
  takeFailure(url: URL): Failure | undefined {
    for (const key of [pageKey(url), url.hostname]) {
      const pending = this.failures.get(key);
      const status = pending?.statuses.shift();
      if (pending === undefined || status === undefined) continue;
      if (pending.statuses.length === 0) this.failures.delete(key);
      return { status, retryAfter: pending.retryAfter };
    }
    return undefined;
  }

  /** The host names that pages, redirects and failures name, IP literals left out. */
  hosts(): Set<string> {
    const hosts = [...this.pages.keys(), ...this.failures.keys()].map((key) =>
      key.includes('://') ? new URL(key).hostname : key,
    );
    return new Set(hosts.filter((host) => isIP(host.replace(/^\[|\]$/g, '')) === 0));
  }

  /** The origins of pages and failures on a port other than 80 and 443: each needs a route of its own. */
  originsOnOtherPorts(): Origin[] {
    const urls = [...this.pages.keys(), ...this.failures.keys()]
      .filter((key) => key.includes('://'))
      .map((key) => new URL(key));
    return urls
      .filter((url) => url.port !== '' && isIP(url.hostname.replace(/^\[|\]$/g, '')) === 0)
      .map((url) => ({ host: url.hostname, port: Number(url.port), secure: url.protocol === 'https:' }));
  }

  clear(): void {
    this.posts.clear();
    this.shortLinks.clear();
    this.pages.clear();
    this.snapshots.clear();
    this.failures.clear();
  }
}

function pageKey(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}${url.search}`;
}

function failureKey(target: string): string {
  return target.includes('://') ? pageKey(new URL(target)) : target.toLowerCase();
}

/** The Wayback Machine's matching form of a URL: no scheme, no `www.`, lower case, no trailing slash. */
export function waybackKey(url: string): string {
  return url
    .trim()
    .toLowerCase()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//, '')
    .replace(/^www\d*\./, '')
    .replace(/\/$/, '');
}
