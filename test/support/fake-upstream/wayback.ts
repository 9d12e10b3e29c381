import { createHash } from 'node:crypto';

import type { WaybackSnapshot } from './scenario.js';
import { waybackKey } from './scenario.js';
import type { UpstreamHandler } from './respond.js';
import { send, sendJson, sendRedirect, sendStatus } from './respond.js';

/**
 * archive.org: the availability API, `GET /wayback/available?url=<url>&timestamp=<ts>`.
 * It answers the snapshot closest to `timestamp` (the newest without one), matching the
 * URL as the Wayback Machine does: with or without scheme or `www.`, in any case. The
 * twitter.com and x.com forms of a post are different URLs there, and the client must
 * ask for both (upstreams.md).
 */
export const serveWaybackAvailability: UpstreamHandler = (request, response, scenario) => {
  if (request.url.pathname !== '/wayback/available') return sendStatus(request, response, 404);
  const url = request.url.searchParams.get('url') ?? '';
  const timestamp = request.url.searchParams.get('timestamp');
  const closest = closestSnapshot(scenario.snapshotsOf(url), timestamp);
  sendJson(request, response, 200, {
    url,
    archived_snapshots:
      closest === undefined
        ? {}
        : {
            closest: {
              status: '200',
              available: true,
              url: `http://web.archive.org/web/${closest.timestamp}/${closest.originalUrl}`,
              timestamp: closest.timestamp,
            },
          },
    ...(timestamp === null ? {} : { timestamp }),
  });
};

/**
 * web.archive.org: snapshots at `/web/<ts>/<url>` and `/web/<ts>id_/<url>`, and the CDX
 * index at `/cdx/search/cdx`.
 */
export const serveWayback: UpstreamHandler = (request, response, scenario) => {
  if (request.url.pathname === '/cdx/search/cdx') return serveCdx(request, response, scenario);
  // The archived URL keeps its own scheme, slashes and query: read it from the raw path.
  const snapshotPath = /^\/web\/(\d{1,14})([a-z]{2}_)?\/(.+)$/.exec(request.url.pathname + request.url.search);
  if (snapshotPath === null) return sendStatus(request, response, 404);
  const [, timestamp = '', modifier = '', archivedUrl = ''] = snapshotPath;
  const snapshot = closestSnapshot(scenario.snapshotsOf(archivedUrl), timestamp);
  if (snapshot === undefined) return sendStatus(request, response, 404);
  if (snapshot.timestamp !== timestamp) {
    // The Wayback Machine redirects an inexact timestamp to the closest capture.
    return sendRedirect(
      request,
      response,
      `${request.scheme}://web.archive.org/web/${snapshot.timestamp}${modifier}/${snapshot.originalUrl}`,
      302,
    );
  }
  // `id_` asks for the bytes as archived; without it, HTML pages get the Wayback banner.
  const body =
    modifier === '' && snapshot.contentType.startsWith('text/html') ? withWaybackBanner(snapshot.body) : snapshot.body;
  send(request, response, {
    status: 200,
    headers: {
      'content-type': snapshot.contentType,
      'memento-datetime': new Date(waybackTimeMs(snapshot.timestamp)).toUTCString(),
    },
    body,
  });
};

const CDX_FIELDS = ['urlkey', 'timestamp', 'original', 'mimetype', 'statuscode', 'digest', 'length'] as const;
type CdxField = (typeof CDX_FIELDS)[number];

/**
 * The CDX server (wayback-cdx-server's README), for the parameters citesnap uses:
 * - `url` with a trailing `*`, or `matchType=prefix`, matches every URL under it
 *   (`exact` otherwise); matching ignores scheme, `www.` and case, as urlkeys do;
 * - `from` and `to` bound the timestamps, each compared as a prefix (`2023` is the year);
 * - `filter=[!]field:regex`, repeatable: the regex must match the whole field (`!` keeps
 *   rows where it does not);
 * - `collapse=field` or `field:N`: of adjacent rows with the same field (or its first N
 *   characters), only the first;
 * - `fl=a,b`: those fields, in that order; `limit=N`: the first N rows (`-N` the last N);
 * - `output=json`: rows as arrays, the field names first, `[]` when nothing matches;
 *   otherwise lines of space-separated fields.
 * Rows come in urlkey order, then timestamp. An unknown field answers 400, as the
 * real server does.
 */
const serveCdx: UpstreamHandler = (request, response, scenario) => {
  const params = request.url.searchParams;
  const pattern = params.get('url') ?? '';
  const isPrefix = pattern.endsWith('*') || params.get('matchType') === 'prefix';
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  let query: CdxQuery;
  try {
    query = readCdxQuery(params);
  } catch (error) {
    return send(request, response, {
      status: 400,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: `${error instanceof Error ? error.message : String(error)}\n`,
    });
  }
  let rows = (isPrefix ? scenario.snapshotsUnder(pattern.replace(/\*$/, '')) : [...scenario.snapshotsOf(pattern)])
    .filter((snapshot) => snapshot.timestamp.slice(0, from.length) >= from)
    .filter((snapshot) => to === '' || snapshot.timestamp.slice(0, to.length) <= to)
    .map(cdxRow)
    .sort((a, b) => a.urlkey.localeCompare(b.urlkey) || a.timestamp.localeCompare(b.timestamp))
    .filter((row) => query.filters.every((filter) => filter.regex.test(row[filter.field]) !== filter.negated));
  if (query.collapse !== undefined) {
    const { field, length } = query.collapse;
    const keyOf = (row: CdxRow): string => (length === undefined ? row[field] : row[field].slice(0, length));
    rows = rows.filter((row, index) => index === 0 || keyOf(row) !== keyOf(rows[index - 1]!));
  }
  if (query.limit !== undefined) rows = query.limit >= 0 ? rows.slice(0, query.limit) : rows.slice(query.limit);
  const table = rows.map((row) => query.fields.map((field) => row[field]));
  if (params.get('output') === 'json') {
    return sendJson(request, response, 200, table.length === 0 ? [] : [query.fields, ...table]);
  }
  send(request, response, {
    status: 200,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    body: table.map((row) => `${row.join(' ')}\n`).join(''),
    compressible: true,
  });
};

interface CdxQuery {
  fields: readonly CdxField[];
  filters: { field: CdxField; regex: RegExp; negated: boolean }[];
  collapse: { field: CdxField; length: number | undefined } | undefined;
  limit: number | undefined;
}

function readCdxQuery(params: URLSearchParams): CdxQuery {
  const fl = params.get('fl');
  const fields = fl === null || fl === '' ? CDX_FIELDS : fl.split(',').map((name) => cdxField(name.trim()));
  const filters = params.getAll('filter').map((filter) => {
    const negated = filter.startsWith('!');
    const body = negated ? filter.slice(1) : filter;
    const colon = body.indexOf(':');
    if (colon < 0) throw new Error(`filter ${filter}: expected [!]field:regex`);
    return { field: cdxField(body.slice(0, colon)), regex: new RegExp(`^(?:${body.slice(colon + 1)})$`), negated };
  });
  const collapseParam = params.get('collapse');
  let collapse: CdxQuery['collapse'];
  if (collapseParam !== null && collapseParam !== '') {
    const [name = '', length] = collapseParam.split(':');
    collapse = { field: cdxField(name), length: length === undefined ? undefined : Number(length) };
  }
  const limitParam = params.get('limit');
  const limit = limitParam === null ? undefined : Number(limitParam);
  if (limit !== undefined && !Number.isInteger(limit)) throw new Error(`limit ${limitParam}: expected an integer`);
  return { fields, filters, collapse, limit };
}

function cdxField(name: string): CdxField {
  const field = CDX_FIELDS.find((known) => known === name);
  if (field === undefined) throw new Error(`Unknown field: ${name}`);
  return field;
}

type CdxRow = Record<CdxField, string>;

function cdxRow(snapshot: WaybackSnapshot): CdxRow {
  return {
    urlkey: surt(snapshot.originalUrl),
    timestamp: snapshot.timestamp,
    original: snapshot.originalUrl,
    mimetype: snapshot.contentType.split(';')[0]?.trim() ?? '',
    statuscode: '200',
    digest: base32(createHash('sha1').update(snapshot.body).digest()),
    length: String(snapshot.body.length),
  };
}

/** The CDX `urlkey`: host labels reversed, then the path, all lower case: `com,twitter)/user/status/1`. */
function surt(url: string): string {
  const key = waybackKey(url);
  const slash = key.indexOf('/');
  const host = slash < 0 ? key : key.slice(0, slash);
  const rest = slash < 0 ? '/' : key.slice(slash);
  return `${host.split('.').reverse().join(',')})${rest}`;
}

/** CDX digests are SHA-1 in RFC 4648 base32. */
function base32(bytes: Buffer): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const byte of bytes) bits += byte.toString(2).padStart(8, '0');
  return (bits.match(/.{1,5}/g) ?? []).map((chunk) => alphabet[parseInt(chunk.padEnd(5, '0'), 2)]).join('');
}

/** The snapshot nearest in time to `timestamp`; the newest when there is no timestamp. */
function closestSnapshot(snapshots: readonly WaybackSnapshot[], timestamp: string | null): WaybackSnapshot | undefined {
  const target = timestamp === null || timestamp === '' ? Number.MAX_SAFE_INTEGER : waybackTimeMs(timestamp);
  const distance = (snapshot: WaybackSnapshot): number => Math.abs(waybackTimeMs(snapshot.timestamp) - target);
  let closest: WaybackSnapshot | undefined;
  for (const snapshot of snapshots) {
    if (closest === undefined || distance(snapshot) < distance(closest)) closest = snapshot;
  }
  return closest;
}

/** A Wayback timestamp, YYYYMMDDhhmmss or any prefix of it, as ms since the epoch (UTC). */
function waybackTimeMs(timestamp: string): number {
  const digits = timestamp.padEnd(14, '0');
  const part = (from: number, to: number): number => Number(digits.slice(from, to));
  return Date.UTC(
    part(0, 4),
    Math.max(0, part(4, 6) - 1),
    Math.max(1, part(6, 8)),
    part(8, 10),
    part(10, 12),
    part(12, 14),
  );
}

function withWaybackBanner(body: Buffer): Buffer {
  const banner = Buffer.from(
    '<!-- BEGIN WAYBACK TOOLBAR INSERT --><div id="wm-ipp-base"></div><!-- END WAYBACK TOOLBAR INSERT -->',
  );
  const bodyTag = /<body[^>]*>/i.exec(body.toString('latin1'));
  if (bodyTag === null) return Buffer.concat([banner, body]);
  const at = bodyTag.index + bodyTag[0].length;
  return Buffer.concat([body.subarray(0, at), banner, body.subarray(at)]);
}
