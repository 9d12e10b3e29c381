// What the pipeline takes from the outside world: passed in, never reached for.
// Each port has one implementation for the CLI and tests and may have another for
// the queue (Redis claims, a JSON logger) or a later store (PostgreSQL).
import type { HttpExchange } from './net/index.js';
import type { CheckJournalEntry, DocumentRecord, RecordedExchange, Status, TargetIndexEntry } from './model/index.js';

/** What resolution and capture need of the HTTP client: one request, no redirects followed. */
export interface Fetcher {
  /** `order`: where the request waits at a full host gate, lower first (see HostGate.acquire). */
  fetch(
    url: string,
    init?: { userAgent?: string; headers?: Record<string, string>; order?: number },
  ): Promise<HttpExchange>;
}

/**
 * Writes an exchange to the archive (capture/recorder.ts provides the WARC one).
 * `beforeWrite` is told where the answer will be before it is written (see WarcWriter).
 */
export type ExchangeRecorder = (
  exchange: HttpExchange,
  options?: { beforeWrite?: (recorded: RecordedExchange) => Promise<void> },
) => Promise<RecordedExchange>;

// The clock is a port like the others; it is defined on the ground floor so that net/ takes it too.
export { systemClock, type Clock } from './model/clock.js';

/** The document records: one per doc id, replaced whole on every write. */
export interface DocumentRecords {
  /** The record, or undefined when none was written for this doc id. Throws RecordUnreadableError for a damaged one. */
  read(docId: string): Promise<DocumentRecord | undefined>;
  /** Replaces the record of `record.docId` whole: a reader sees the old record or the new, never a mix. */
  write(record: DocumentRecord, options?: RecordWriteOptions): Promise<void>;
  /** Every doc id with a record, in name order. */
  list(): Promise<string[]>;
  /**
   * One page of the documents, newest first (by processedAt, then doc id in name order),
   * each summed up without its citations, and how many documents there are in all: what
   * `citesnap serve` lists at `/`. Answered from what the store keeps beside the records
   * (PostgreSQL: indexed columns; the data dir: a summary a record file, kept while the
   * file is unchanged), so a page costs far less than reading every record. A record that
   * cannot be read may be left out.
   */
  listNewestFirst(page: { offset: number; limit: number }): Promise<DocumentSummaryPage>;
  /**
   * Where the record of `docId` lives, for a person to read (a file path, a table and
   * key): the CLI's summary and error messages print it. Says where, does no I/O.
   */
  locationOf(docId: string): string;
  /** Where the records live as a whole (a folder, a database), for messages. */
  location(): string;
}

export interface RecordWriteOptions {
  /**
   * The record this write replaces, as the caller read it to make this one (a recheck):
   * a store that derives its indexes from what changed then need not read it again.
   * Exact under the document's lock (the workers hold it); a writer without the lock
   * that races another loses that one's write anyway. Without it, the store reads what
   * it replaces itself.
   */
  replacing?: DocumentRecord;
}

/** A document as the list of documents shows it: what it is and its citations counted, not the citations. */
export interface DocumentSummary {
  docId: string;
  /** The source's title, when it has one. */
  title: string | undefined;
  sourceUri: string;
  /** The record's processedAt, as written. */
  processedAt: string;
  /** Citations by status, each status in the order it first appears in the record (as countStatuses gives them). */
  statusCounts: Partial<Record<Status, number>>;
}

export interface DocumentSummaryPage {
  documents: DocumentSummary[];
  /** Every document in the store, not only this page's. */
  total: number;
}

/**
 * The index of targets already checked: each target's newest outcome, what lets a
 * target cited by many documents (or re-run within the refresh window) be reused
 * without a new upstream request. Losing an entry costs a request, never a record.
 */
export interface TargetIndex {
  /** The newest outcome of `key`, or undefined when there is none (or it cannot be read). */
  get(key: string): Promise<TargetIndexEntry | undefined>;
  /** Replaces the newest outcome of `entry.key`. */
  put(entry: TargetIndexEntry): Promise<void>;
}

/** What the recheck schedule needs of a target: its citations in every document together (contract section 10). */
export interface TargetState {
  /** `post:<id>`, `link:<url>`, or an unidentified embed's citation id (`embed:…`). */
  key: string;
  /** ms since the epoch of its first check in any document; undefined for one never checked (an embed without links). */
  firstCheckedAt: number | undefined;
  /** ms since the epoch of its newest check. */
  lastCheckedAt: number | undefined;
  /** The status its newest check gave. */
  status: Status;
  /** True when that status differs from the check before it. */
  changedAtLastCheck: boolean;
}

/** One citation's status changed at a check: what `citesnap changes` lists. */
export interface StatusChange {
  /** ISO time of the check that saw the new status. */
  at: string;
  docId: string;
  citationId: string;
  url: string;
  from: Status;
  to: Status;
}

/**
 * The reverse index (contract section 10): which documents cite a target, and each
 * target's schedule state, derived from the records as they are written. It may name a
 * document that no longer cites a target (a process died between noting a record's
 * targets and writing it, or a record was edited): read the record. It never misses a
 * document that does cite it.
 */
export interface CitingIndex {
  /** The doc ids citing `targetKey`, in name order. */
  documentsCiting(targetKey: string): Promise<string[]>;
  /** Every target cited by at least one document, with its schedule state. */
  targetStates(): Promise<TargetState[]>;
  /** Rebuilds the reverse index, the target states and the change log from the records (`citesnap reindex`). */
  rebuild(): Promise<ReindexResult>;
  /**
   * The due targets and the documents citing them, selected by the store itself where
   * it can do so from indexes (PostgreSQL: SQL over indexed columns). A store without
   * it (the data dir) is planned from `targetStates` and `documentsCiting`
   * (pipeline/recheck-targets.ts); both give the same plan.
   */
  planDue?(selection: DueSelection): Promise<DuePlan>;
}

/**
 * Which targets a recheck run asks about (contract section 10), as a store selects them:
 * `widening`, the post and link targets due on the widening schedule at `now`
 * (targets/recheck-schedule.ts); `checked-before`, the post and link targets whose newest
 * check is older than `before` (`--older-than`); `statuses`, every target whose newest
 * status is one of these (`retry-failed`). A target never checked is due on both schedules.
 */
export type DueSelection =
  | { kind: 'widening'; now: number }
  | { kind: 'checked-before'; before: number }
  | { kind: 'statuses'; statuses: readonly Status[] };

/** The due targets' keys, and each document citing one with the keys of its due targets. */
export interface DuePlan {
  targets: string[];
  documents: { docId: string; targets: string[] }[];
}

export interface ReindexResult {
  documents: number;
  targets: number;
  changes: number;
}

/** The status-change log, appended to as records are written (and rebuilt from them). */
export interface StatusChangeLog {
  /** The changes at or after `since` (ISO), oldest first; with `status`, only those to it. */
  list(options: { since: string; status?: Status }): Promise<StatusChange[]>;
}

/** Told of the status changes each written record brings (the worker counts them for its metrics); every Store takes one. */
export type StatusChangeListener = (changes: readonly StatusChange[]) => void;

/**
 * The journals of checks in progress (targets/check-journal.ts): the answers a check
 * has stored so far, so that one cut short is taken up without storing them twice.
 */
export interface CheckJournals {
  get(key: string): Promise<CheckJournalEntry | undefined>;
  put(entry: CheckJournalEntry): Promise<void>;
  /** Removes the journal of `key` (its check has ended); one already gone is no error. */
  delete(key: string): Promise<void>;
}

/**
 * Where citesnap keeps what it found, as facets of one store so that one backend (a
 * data dir today, PostgreSQL later) serves them all and a new facet (a reverse
 * index, a log of status changes) can be added beside them.
 */
export interface Store {
  /** Writing a record also brings `citing` and `changes` up to date, atomically enough that `citing` never misses a document. */
  documents: DocumentRecords;
  targets: TargetIndex;
  journals: CheckJournals;
  citing: CitingIndex;
  changes: StatusChangeLog;
  /**
   * The articles' texts, for the page of `citesnap serve` (both stores keep them). Where
   * one is missing (a record from before texts were kept), the page shows each occurrence
   * in its context.
   */
  sources?: SourceTexts;
  /**
   * Claims on targets and document locks kept by the store itself, beside the state they
   * guard (PostgreSQL's lease rows, the data dir's lock files), so that every process
   * sharing the store honours them, with or without Redis. A store without any leaves
   * the claims to the queue's Redis, or to one process.
   */
  claims?: TargetClaims;
  /** Releases what the store holds open (a connection pool); the data dir holds nothing. */
  close(): Promise<void>;
}

/**
 * The decoded text of each archived article, which its record's offsets index into
 * (the record keeps only the source's sha256): what lets `citesnap serve` show the
 * article with each occurrence marked. Kept by the sha256 of the source's bytes, so
 * an article archived under several doc ids, or again unchanged, is kept once.
 */
export interface SourceTexts {
  /** Keeps `text` as the decoded text of the source whose bytes hash to `sha256` (lowercase hex). */
  keep(sha256: string, text: string): Promise<void>;
  /** The text kept for `sha256`, or undefined (a record written before texts were kept). */
  read(sha256: string): Promise<string | undefined>;
}

/**
 * Claims a target across processes while it is being checked, so that two workers
 * never fetch the same target at once (the queue provides a Redis one).
 */
export interface TargetClaims {
  /** Waits until this process holds the claim on `key`; resolves to its release. */
  acquire(key: string): Promise<() => Promise<void>>;
  /** Refuses new claims and gives up those held (a worker handing its jobs back as it stops). */
  close?(): Promise<void>;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Extra fields of one log line. `undefined` values are left out. */
export type LogFields = Record<string, unknown>;

/** Structured logs: one event a line (workers/log.ts writes them as JSON). */
export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (e.g. the worker's id). */
  child(fields: LogFields): Logger;
}

/**
 * Where WARC files are kept (contract section 12): a folder (the data dir's `warc`
 * by default) or an S3 prefix. Names are plain file names (a record's `warc/<name>`
 * without `warc/`, see model/warc-file.ts). A file is put whole, once it is closed;
 * from then on every machine sharing the store reads it.
 */
export interface WarcStore {
  /**
   * The folder a process writes its files into in place, where the store is a folder:
   * a file there is readable by all who share the folder as soon as it is synced.
   * Undefined for a store that only takes whole files (S3): the writer then keeps its
   * open files in a local outbox and `put`s each when it closes.
   */
  readonly folder: string | undefined;
  /** Stores the closed file at `localPath` as `name`, whole. Putting the same name again replaces it. */
  put(name: string, localPath: string): Promise<void>;
  /** `length` bytes of `name` from `offset`; throws WarcRecordInvalidError when the file is missing or shorter. */
  readRange(name: string, offset: number, length: number): Promise<Uint8Array>;
  /** The whole of `name`, as it streams in; a missing file throws WarcRecordInvalidError. */
  readAll(name: string): AsyncIterable<Uint8Array>;
  /** Every file name in the store, in name order. */
  list(): Promise<string[]>;
  /** Checks that the store can be used (the folder can be made, the bucket exists); a misconfigured one throws UsageError. */
  check(): Promise<void>;
  /** Where the store is, for messages: a folder path or `s3://bucket/prefix`. */
  location(): string;
  /** Releases what the store holds open (an HTTP agent); a folder holds nothing. */
  close(): Promise<void>;
}
