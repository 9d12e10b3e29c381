import type { HttpExchange } from '../net/index.js';
import type { Capture, ErrorCode, Link } from '../record/types.js';

/** What resolution and capture need of the HTTP client: one request, no redirects followed. */
export interface Fetcher {
  fetch(url: string, init?: { userAgent?: string; headers?: Record<string, string> }): Promise<HttpExchange>;
}

/** An exchange once it is in a WARC file: everything a Capture needs but its `via`. */
export type RecordedExchange = Omit<Capture, 'via'>;

/**
 * Writes an exchange to the archive (capture/recorder.ts provides the WARC one).
 * `beforeWrite` is told where the answer will be before it is written (see WarcWriter).
 */
export type ExchangeRecorder = (exchange: HttpExchange, options?: { beforeWrite?: (recorded: RecordedExchange) => Promise<void> }) => Promise<RecordedExchange>;

/** What one check of a cited link found; plain data, so the index can keep it for reuse. */
export interface LinkCheck {
  /** ISO time of the check (of the earlier one, when it was reused). */
  checkedAt: string;
  /** The hops and, for an ordinary page, its metadata in `link.page`. */
  link: Link;
  end: LinkCheckEnd;
}

export type LinkCheckEnd =
  | { kind: 'post'; id: string; handle?: string }
  | { kind: 'page'; capture: Capture }
  | { kind: 'error'; status: 'dead' | 'blocked' | 'failed'; error: { code: ErrorCode; message: string } };

/** Checks a cited link, reusing a recent check of the same link where there is one. */
export type CheckLink = (url: string) => Promise<LinkCheck>;
