// The document record of contract section 7. This is a public, versioned format:
// change it only together with schemaVersion.

export const SCHEMA_VERSION = 1;

export interface DocumentRecord {
  schemaVersion: 1;
  docId: string;
  source: { uri: string; mediaType: string; sha256: string; bytes: number; title?: string };
  /** ISO 8601, UTC. */
  processedAt: string;
  /** In order of first occurrence. */
  citations: Citation[];
}

export interface Citation {
  /** Stable across runs for the same target. */
  id: string;
  type: 'post' | 'link';
  status: Status;
  /** Every place that refers to this target, in order. */
  occurrences: Occurrence[];
  /** The embed citation that contains this link. */
  parent?: string;
  post?: Post;
  link?: Link;
  /** The newest good capture; kept when the target later dies. */
  capture?: Capture;
  error?: { code: ErrorCode; message: string };
  /** Every check, oldest first. */
  checks: Check[];
}

export type Status =
  'archived' | 'deleted' | 'suspended' | 'protected' | 'unavailable' | 'unidentified' | 'dead' | 'blocked' | 'failed';

export type ErrorCode =
  | 'TIMEOUT'
  | 'TOO_MANY_REDIRECTS'
  | 'REDIRECT_LOOP'
  | 'HTTP_STATUS'
  | 'DNS'
  | 'TLS'
  | 'CONNECTION'
  | 'BLOCKED_ADDRESS'
  | 'BLOCKED_SCHEME'
  | 'RATE_LIMITED'
  | 'BAD_RESPONSE';

export type OccurrenceForm = 'embed' | 'post-url' | 'short-link' | 'media-link' | 'attribution';

export interface Occurrence {
  form: OccurrenceForm;
  /** The exact text at `offset`. */
  raw: string;
  /** UTF-16 index into the decoded source (for HTML: the markup). */
  offset: number;
  /** Up to ~200 characters of surrounding plain text. */
  context: string;
}

export type MediaType = 'photo' | 'video' | 'animated_gif';

export interface Post {
  platform: 'twitter';
  id?: string;
  url?: string;
  handle?: string;
  authorName?: string;
  /** ISO; from the capture, else from the Snowflake id. */
  createdAt?: string;
  text?: string;
  lang?: string;
  media: { type: MediaType; url: string; capture?: Capture }[];
  links: { url: string; expandedUrl: string }[];
  quotedId?: string;
  inReplyToId?: string;
  /** As printed in the article; `date` is ISO YYYY-MM-DD where `dateText` could be read. */
  embed?: PostEmbed;
  /** How the id was found (contract 6a). */
  identifiedBy?: IdentifiedBy;
  /** While unidentified: the posts the Wayback lookup compared, with their scores (contract 6a). */
  candidates?: { id: string; score: number }[];
  /** How the printed text compares with the captured one (contract 6b). */
  quote?: { verdict: 'verbatim' | 'close' | 'differs'; similarity: number };
  /** The ids of an edited post's versions, oldest first (contract 6b). */
  editIds?: string[];
}

export type IdentifiedBy = 'status-link' | 'short-link' | 'media-link' | 'wayback-cdx';

export interface PostEmbed {
  authorName?: string;
  handle?: string;
  date?: string;
  dateText?: string;
  text?: string;
}

export interface Link {
  url: string;
  finalUrl?: string;
  /** Every request made, in order, the last one included. */
  hops: Hop[];
  /** The last answer's status. */
  httpStatus?: number;
  page?: Page;
}

export interface Hop {
  url: string;
  /** 0 for a request that got no answer (DNS, timeout, refused). */
  status: number;
  location?: string;
  via: 'http' | 'meta-refresh' | 'script';
}

export interface Page {
  /** og:title, else <title>. */
  title?: string;
  description?: string;
  siteName?: string;
  canonicalUrl?: string;
  publishedAt?: string;
  lang?: string;
  image?: string;
}

export interface WarcLocation {
  /** Relative to the data dir. */
  file: string;
  /** Offset of the response record's gzip member. */
  offset: number;
  /** Length of that gzip member. */
  length: number;
}

export interface Capture {
  at: string;
  via: 'syndication' | 'oembed' | 'page' | 'wayback' | 'media';
  warc: WarcLocation;
  /** sha256 of the payload, lowercase hex (the WARC-Payload-Digest of the same record, without its prefix). */
  sha256: string;
  truncated?: boolean;
}

export interface Check {
  at: string;
  status: Status;
  httpStatus?: number;
  error?: ErrorCode;
}
