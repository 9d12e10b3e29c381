// Which page a request asks for, decided on the request target exactly as it came
// off the wire: nothing is decoded, joined or normalised first, so `..`, `%2e%2e`,
// an encoded slash or a NUL can only fail to match and end in a 404. Every route
// names a document by an id of the doc id pattern or a fixed asset by its exact
// path; no route carries a file name.

const DOC_ID = '[A-Za-z0-9][A-Za-z0-9._-]{0,199}';

/** The replay's files, served from the replaywebpage package by these names only. */
export type ReplayAsset = 'index.html' | 'ui.js' | 'sw.js';

export type Route =
  | { kind: 'documents'; page: number }
  | { kind: 'document'; docId: string }
  | { kind: 'record'; docId: string }
  | { kind: 'wacz'; docId: string }
  | { kind: 'replay-page'; docId: string }
  | { kind: 'photo'; docId: string; citation: number; media: number }
  | { kind: 'stylesheet' }
  | { kind: 'replay-asset'; asset: ReplayAsset }
  | { kind: 'bad-request'; reason: string }
  | { kind: 'not-found' };

const DOCUMENT_PATH = new RegExp(`^/documents/(${DOC_ID})$`);
const RECORD_PATH = new RegExp(`^/documents/(${DOC_ID})\\.json$`);
const WACZ_PATH = new RegExp(`^/documents/(${DOC_ID})\\.wacz$`);
const REPLAY_PAGE_PATH = new RegExp(`^/documents/(${DOC_ID})/replay$`);
const PHOTO_PATH = new RegExp(`^/documents/(${DOC_ID})/photos/(\\d{1,6})/(\\d{1,3})$`);

const REPLAY_ASSETS: Record<string, ReplayAsset> = {
  '/replay/': 'index.html',
  '/replay/index.html': 'index.html',
  '/replay/ui.js': 'ui.js',
  '/replay/sw.js': 'sw.js',
};

/** The largest page number of the document list accepted, far past any archive's end. */
const MAX_PAGE = 1_000_000;

/**
 * The route of a request target (`req.url`: path and query, never decoded). The
 * query matters only to the document list (`?page=N`) and the replay's own files
 * (ReplayWeb.page adds its parameters there); anywhere else it is ignored.
 *
 * A doc id that itself ends in `.json` or `.wacz` is read as the record or WACZ of
 * the doc id before that suffix: doc ids derived from file names never end so.
 */
export function routeOf(target: string): Route {
  if (!target.startsWith('/')) return { kind: 'bad-request', reason: 'the request target must be a path' };
  const queryAt = target.indexOf('?');
  const path = queryAt === -1 ? target : target.slice(0, queryAt);
  const query = queryAt === -1 ? '' : target.slice(queryAt + 1);

  if (path === '/') return pageOf(query);
  if (path === '/assets/citesnap.css') return { kind: 'stylesheet' };
  const asset = Object.hasOwn(REPLAY_ASSETS, path) ? REPLAY_ASSETS[path] : undefined;
  if (asset !== undefined) return { kind: 'replay-asset', asset };

  let match: RegExpExecArray | null;
  if ((match = RECORD_PATH.exec(path))) return { kind: 'record', docId: match[1] ?? '' };
  if ((match = WACZ_PATH.exec(path))) return { kind: 'wacz', docId: match[1] ?? '' };
  if ((match = DOCUMENT_PATH.exec(path))) return { kind: 'document', docId: match[1] ?? '' };
  if ((match = REPLAY_PAGE_PATH.exec(path))) return { kind: 'replay-page', docId: match[1] ?? '' };
  if ((match = PHOTO_PATH.exec(path)))
    return { kind: 'photo', docId: match[1] ?? '', citation: Number(match[2]), media: Number(match[3]) };
  return { kind: 'not-found' };
}

function pageOf(query: string): Route {
  const page = new URLSearchParams(query).get('page');
  if (page === null) return { kind: 'documents', page: 1 };
  if (!/^[1-9]\d{0,6}$/.test(page) || Number(page) > MAX_PAGE)
    return { kind: 'bad-request', reason: `page: expected a whole number from 1 to ${MAX_PAGE}` };
  return { kind: 'documents', page: Number(page) };
}
