// What one check of a target (a cited link or a post) found: plain data, so that
// the target index can keep the newest one and reuse it within the refresh window.
import type { Capture, ErrorCode, Link, Post, Status } from './record.js';

/** An exchange once it is in a WARC file: everything a Capture needs but its `via`. */
export type RecordedExchange = Omit<Capture, 'via'>;

/** The error a check ended with, as a citation records it. */
export interface CheckError {
  code: ErrorCode;
  message: string;
}

/**
 * Where a cited link's chain ended: one type for the resolution and the check, which
 * differ only in what an ordinary page's end carries (`Page`): the answer itself
 * while the link is being resolved, its capture once checked.
 */
export type LinkEnd<Page> =
  /** At a post URL: the post is captured from its own sources, not its login-walled page. */
  | { kind: 'post'; id: string; handle?: string }
  /** At an ordinary page (2xx), whose answer is the page capture. */
  | ({ kind: 'page' } & Page)
  | { kind: 'error'; status: 'dead' | 'blocked' | 'failed'; error: CheckError };

/** Where a checked link ended, as the index keeps it. */
export type LinkCheckEnd = LinkEnd<{ capture: Capture }>;

/** What one check of a cited link found. */
export interface LinkCheck {
  /** ISO time of the check (of the earlier one, when it was reused). */
  checkedAt: string;
  /** The hops and, for an ordinary page, its metadata in `link.page`. */
  link: Link;
  end: LinkCheckEnd;
}

/** Post fields read from a capture (the caller merges them over what the article printed). */
export type CapturedPost = Omit<Post, 'platform' | 'embed'>;

/** What one check of a post found. */
export interface PostCheck {
  status: Status;
  error?: CheckError;
  /** The status of the syndication answer, the post's primary source. */
  httpStatus?: number;
  post: CapturedPost;
  capture?: Capture;
}

/** A post check with the time it was made. */
export type TimedPostCheck = PostCheck & { checkedAt: string };

/** One archived copy of a post's status page, as a CDX row names it. */
export interface CdxSnapshot {
  /** YYYYMMDDhhmmss. */
  timestamp: string;
  /** The URL as archived. */
  original: string;
  mimetype?: string;
  statuscode?: string;
}

/** A post the Wayback CDX knows of, with its archived copies, oldest first. */
export interface CdxPost {
  id: string;
  handle?: string;
  snapshots: CdxSnapshot[];
}

/** One CDX lookup of an account's posts around a printed date (contract 6a), kept in the index like a target. */
export interface CdxLookup {
  /** ISO time of the lookup. */
  checkedAt: string;
  /** Rows the CDX answered, before the window was applied: 0 means the CDX knows no such post. */
  rows: number;
  /** The posts whose id lies in the window, each with its snapshots. */
  posts: CdxPost[];
  /** Where a request got no usable answer (a 429 after retries, a timeout): the lookup is not reused. */
  error?: CheckError;
}

/** What the index keeps of a target: its newest check, whole. */
export type TargetOutcome =
  { kind: 'link'; check: LinkCheck } | { kind: 'post'; check: TimedPostCheck } | { kind: 'cdx'; check: CdxLookup };

/** One answer noted in a check's journal: the request that got it, and where its WARC record is. */
export interface JournaledAnswer {
  url: string;
  /** The request's own User-Agent, where it set one (t.co gets a non-browser one). */
  userAgent?: string;
  recorded: RecordedExchange;
}

/** The journal of a check in progress (targets/check-journal.ts), as the store keeps it beside the targets' outcomes. */
export interface CheckJournalEntry {
  /** `journal:` and the target's key. */
  key: string;
  /** ISO time the journaled check began. */
  checkedAt: string;
  outcome: { answers: JournaledAnswer[] };
}

/** One target's newest outcome, as the index keeps it. */
export interface TargetIndexEntry {
  /** `link:<url>` or `post:<id>` (model/ids.ts). */
  key: string;
  /** ISO time of the check that produced `outcome`. */
  checkedAt: string;
  outcome: TargetOutcome;
}
