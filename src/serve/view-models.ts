// What each page shows, worked out from a record: words for statuses and forms,
// dates a person reads, the hrefs of the server's own routes. Pure; the templates
// of views.ts only place these values (escaped).

import type { Check, Citation, DocumentRecord, Status } from '../model/index.js';
import { countStatuses } from '../record/citation-stats.js';
import type { DocumentSummary } from '../ports.js';
import type { ArticlePiece } from './article-text.js';

export const STATUS_WORDS: Record<Status, string> = {
  archived: 'archived',
  deleted: 'deleted',
  suspended: 'account suspended',
  protected: 'protected',
  unavailable: 'unavailable',
  unidentified: 'post not identified',
  dead: 'dead link',
  blocked: 'blocked',
  failed: 'failed',
};

const FORM_WORDS: Record<Citation['occurrences'][number]['form'], string> = {
  embed: 'embedded post',
  'post-url': 'post link',
  'short-link': 'short link',
  'media-link': 'photo link',
  attribution: 'quoted post',
};

const VERDICT_WORDS = { verbatim: 'verbatim', close: 'close', differs: 'differs' } as const;

export interface StatusCount {
  status: Status;
  count: number;
  word: string;
}

export interface DocumentRow {
  docId: string;
  href: string;
  /** The title, else the source. */
  label: string;
  source: string;
  processedAt: string;
  processedAtText: string;
  counts: StatusCount[];
}

export interface DocumentListView {
  rows: DocumentRow[];
  total: number;
  page: number;
  pages: number;
  previous?: string;
  next?: string;
}

export interface PostView {
  authorName: string;
  handle?: string;
  date?: string;
  dateText?: string;
  text?: string;
  lang?: string;
  photos: { src: string; alt: string }[];
  otherMedia: string[];
  quote?: { verdict: string; word: string; similarity: string };
  embedText?: string;
  embedTrailer?: string;
  url?: string;
  urlHref?: string;
  identifiedBy?: string;
  editIds?: string;
}

export interface CitationView {
  id: string;
  anchor: string;
  status: Status;
  statusWord: string;
  kind: string;
  parentAnchor?: string;
  parentNumber?: number;
  occurrences: { anchor: string; form: string }[];
  post?: PostView;
  link?: {
    url: string;
    urlHref?: string;
    finalUrl?: string;
    finalUrlHref?: string;
    title?: string;
    httpStatus?: number;
    hops: { url: string; status: number; via: string }[];
  };
  error?: string;
  capture?: { at: string; atText: string; via: string; truncated: boolean };
  checks: { at: string; atText: string; status: Status; word: string; detail?: string }[];
}

export interface MarkedPieceView {
  text: string;
  mark?: { status: Status; anchor?: string; citationAnchor: string };
}

export interface DocumentView {
  docId: string;
  title: string;
  source: string;
  processedAt: string;
  processedAtText: string;
  counts: StatusCount[];
  waczHref: string;
  replayHref: string;
  recordHref: string;
  citations: CitationView[];
  /** The article with its occurrences marked, when its text was kept. */
  article?: MarkedPieceView[];
  /** Otherwise each occurrence in its context. */
  contexts: {
    anchor: string;
    citationAnchor: string;
    form: string;
    status: Status;
    before: string;
    raw: string;
    after: string;
  }[];
}

export interface ReplayView {
  title: string;
  documentHref: string;
  waczHref: string;
  /** The page the replay opens on: the first capture's URL. */
  url?: string;
}

export interface ErrorView {
  heading: string;
  message: string;
}

/** A URL from an archive goes into an href only when it is http(s): never `javascript:` or `data:`. */
function webHref(url: string | undefined): string | undefined {
  return url !== undefined && /^https?:\/\//i.test(url) ? url : undefined;
}

export function documentHref(docId: string): string {
  return `/documents/${docId}`;
}

/** 2023-11-28 17:37 UTC: the same for every reader, whatever their time zone. */
export function dateText(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function statusCounts(counts: Partial<Record<Status, number>>): StatusCount[] {
  return Object.entries(counts).map(([status, count]) => ({
    status: status as Status,
    count,
    word: STATUS_WORDS[status as Status],
  }));
}

/** The title, else the source. */
export function documentLabel(source: { uri: string; title?: string | undefined }): string {
  return source.title ?? source.uri;
}

export function documentRow(summary: DocumentSummary): DocumentRow {
  return {
    docId: summary.docId,
    href: documentHref(summary.docId),
    label: documentLabel({ uri: summary.sourceUri, title: summary.title }),
    source: summary.sourceUri,
    processedAt: summary.processedAt,
    processedAtText: dateText(summary.processedAt),
    counts: statusCounts(summary.statusCounts),
  };
}

/**
 * The document page. `articleText` is the decoded source the offsets index into, or
 * undefined when it was not kept; `pieces` its marked pieces (article-text.ts).
 */
export function documentView(record: DocumentRecord, pieces: ArticlePiece[] | undefined): DocumentView {
  const href = documentHref(record.docId);
  const numberOf = new Map(record.citations.map((citation, index) => [citation.id, index + 1]));
  const citationAnchor = (index: number): string => `c${index + 1}`;
  const occurrenceAnchor = (citation: number, occurrence: number): string => `c${citation + 1}-o${occurrence + 1}`;
  const view: DocumentView = {
    docId: record.docId,
    title: documentLabel(record.source),
    source: record.source.uri,
    processedAt: record.processedAt,
    processedAtText: dateText(record.processedAt),
    counts: statusCounts(countStatuses(record.citations)),
    waczHref: `${href}.wacz`,
    replayHref: `${href}/replay`,
    recordHref: `${href}.json`,
    citations: record.citations.map((citation, index) => {
      const parentNumber = citation.parent === undefined ? undefined : numberOf.get(citation.parent);
      const item: CitationView = {
        id: citation.id,
        anchor: citationAnchor(index),
        status: citation.status,
        statusWord: STATUS_WORDS[citation.status],
        kind: citation.type === 'post' ? 'post' : 'link',
        occurrences: citation.occurrences.map((occurrence, at) => ({
          anchor: occurrenceAnchor(index, at),
          form: FORM_WORDS[occurrence.form],
        })),
        checks: citation.checks.map(checkView),
      };
      if (parentNumber !== undefined) {
        item.parentNumber = parentNumber;
        item.parentAnchor = citationAnchor(parentNumber - 1);
      }
      if (citation.post) item.post = postView(citation, `${href}/photos/${index}`);
      if (citation.link && citation.type === 'link') {
        const { link } = citation;
        item.link = {
          url: link.url,
          hops: link.hops.map((hop) => ({ url: hop.url, status: hop.status, via: hop.via })),
          ...(webHref(link.url) === undefined ? {} : { urlHref: link.url }),
          ...(link.finalUrl === undefined ? {} : { finalUrl: link.finalUrl }),
          ...(webHref(link.finalUrl) === undefined ? {} : { finalUrlHref: link.finalUrl }),
          ...(link.page?.title === undefined ? {} : { title: link.page.title }),
          ...(link.httpStatus === undefined ? {} : { httpStatus: link.httpStatus }),
        };
      }
      if (citation.error) item.error = `${citation.error.code}: ${citation.error.message}`;
      if (citation.capture) {
        item.capture = {
          at: citation.capture.at,
          atText: dateText(citation.capture.at),
          via: citation.capture.via,
          truncated: citation.capture.truncated === true,
        };
      }
      return item;
    }),
    contexts: [],
  };
  if (pieces) {
    view.article = pieces.map((piece) => {
      if (!piece.mark) return { text: piece.text };
      const status = record.citations[piece.mark.citation]?.status ?? 'failed';
      return {
        text: piece.text,
        mark: {
          status,
          citationAnchor: citationAnchor(piece.mark.citation),
          ...(piece.mark.first ? { anchor: occurrenceAnchor(piece.mark.citation, piece.mark.occurrence) } : {}),
        },
      };
    });
  } else {
    view.contexts = record.citations.flatMap((citation, index) =>
      citation.occurrences.map((occurrence, at) => {
        const found = occurrence.context.indexOf(occurrence.raw);
        return {
          anchor: occurrenceAnchor(index, at),
          citationAnchor: citationAnchor(index),
          form: FORM_WORDS[occurrence.form],
          status: citation.status,
          before: found === -1 ? occurrence.context : occurrence.context.slice(0, found),
          raw: found === -1 ? ` ${occurrence.raw}` : occurrence.raw,
          after: found === -1 ? '' : occurrence.context.slice(found + occurrence.raw.length),
        };
      }),
    );
  }
  return view;
}

function postView(citation: Citation, photosHref: string): PostView {
  const post = citation.post;
  if (!post) throw new Error('postView of a citation without a post');
  const author = post.authorName ?? post.embed?.authorName ?? (post.handle ? `@${post.handle}` : 'Unknown author');
  const handle = post.handle ?? post.embed?.handle;
  const view: PostView = {
    authorName: author,
    photos: [],
    otherMedia: [],
  };
  if (handle !== undefined) view.handle = handle;
  if (post.createdAt !== undefined) {
    view.date = post.createdAt;
    view.dateText = dateText(post.createdAt);
  } else if (post.embed?.dateText !== undefined) {
    view.dateText = post.embed.dateText;
  }
  if (post.text !== undefined) view.text = post.text;
  if (post.lang !== undefined) view.lang = post.lang;
  for (const [index, media] of post.media.entries()) {
    if (media.type === 'photo' && media.capture) {
      view.photos.push({ src: `${photosHref}/${index}`, alt: `Photo ${index + 1} of the post by ${author}` });
    } else {
      view.otherMedia.push(`${media.type.replace('_', ' ')} ${media.url}${media.capture ? '' : ' (not captured)'}`);
    }
  }
  if (post.quote) {
    view.quote = {
      verdict: post.quote.verdict,
      word: VERDICT_WORDS[post.quote.verdict],
      similarity: post.quote.similarity.toFixed(2),
    };
  }
  if (post.embed?.text !== undefined) view.embedText = post.embed.text;
  const trailer = [
    post.embed?.authorName,
    post.embed?.handle ? `(@${post.embed.handle})` : undefined,
    post.embed?.dateText,
  ]
    .filter((part) => part !== undefined)
    .join(' ');
  if (trailer !== '') view.embedTrailer = `— ${trailer}`;
  if (post.url !== undefined) view.url = post.url;
  const urlHref = webHref(post.url);
  if (urlHref !== undefined) view.urlHref = urlHref;
  if (post.identifiedBy !== undefined) view.identifiedBy = post.identifiedBy;
  if (post.editIds !== undefined && post.editIds.length > 1) view.editIds = post.editIds.join(', ');
  return view;
}

function checkView(check: Check): CitationView['checks'][number] {
  const detail = [check.httpStatus === undefined ? undefined : `HTTP ${check.httpStatus}`, check.error]
    .filter((part) => part !== undefined)
    .join(', ');
  return {
    at: check.at,
    atText: dateText(check.at),
    status: check.status,
    word: STATUS_WORDS[check.status],
    ...(detail === '' ? {} : { detail }),
  };
}
