// Every error class of citesnap, in one place (undici's lib/core/errors.js is the
// model): one base class, each error with a stable `code` from a closed union.
// Callers match on the class or the code, never on the message.
import type { DocumentRecord, ErrorCode } from './model/record.js';

/** The codes of citesnap's own errors; a request's failures add the record's error codes. */
export type CitesnapErrorCode =
  | 'USAGE'
  | 'SIDECAR_WRITE'
  | 'RECORD_UNREADABLE'
  | 'WARC_RECORD_INVALID'
  | 'WARC_WRITER_CLOSED'
  | 'WARC_STORE_UNAVAILABLE'
  | 'INVALID_JOB_DATA'
  | 'REDIS_UNAVAILABLE'
  | 'DATABASE_UNAVAILABLE'
  | 'HANDED_BACK'
  | 'STORAGE_WRITE'
  | ErrorCode;

/**
 * The one base class of citesnap's errors. A CitesnapError has a message written
 * for the user: the CLI prints it as it is (anything else is a bug, said to be one).
 */
export abstract class CitesnapError extends Error {
  abstract readonly code: CitesnapErrorCode;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad usage or bad input (missing file, invalid doc id, bad config): the CLI exits 2. */
export class UsageError extends CitesnapError {
  readonly code = 'USAGE';
}

/**
 * A request that did not end in a usable answer. `code` is one of the record's
 * error codes, so the pipeline can put it into a citation as it is.
 */
export class FetchError extends CitesnapError {
  readonly code: ErrorCode;
  /** The HTTP status where there was an answer (for HTTP_STATUS and RATE_LIMITED). */
  readonly httpStatus: number | undefined;
  constructor(code: ErrorCode, message: string, options?: ErrorOptions & { httpStatus?: number }) {
    super(message, options);
    this.code = code;
    this.httpStatus = options?.httpStatus;
  }
}

/**
 * The record is written to the data dir, but not beside its source (a read-only
 * folder, say): the CLI reports it, the worker logs it and completes the job.
 */
export class SidecarError extends CitesnapError {
  readonly code = 'SIDECAR_WRITE';
  constructor(
    message: string,
    readonly record: DocumentRecord,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A stored record that cannot be read back (edited or damaged by hand); the message names where it is. */
export class RecordUnreadableError extends CitesnapError {
  readonly code = 'RECORD_UNREADABLE';
}

/** A WARC location that holds no complete response record. */
export class WarcRecordInvalidError extends CitesnapError {
  readonly code = 'WARC_RECORD_INVALID';
}

/** A write to a WARC writer after it was closed: a bug in the caller. */
export class WarcWriterClosedError extends CitesnapError {
  readonly code = 'WARC_WRITER_CLOSED';
}

/** The WARC store could not be reached or refused a request (S3 down, a full disk): the CLI exits 1. */
export class WarcStoreUnavailableError extends CitesnapError {
  readonly code = 'WARC_STORE_UNAVAILABLE';
}

/** Job data that does not match the public shape; `message` starts with `job data: <field>:`. */
export class JobDataError extends CitesnapError {
  readonly code = 'INVALID_JOB_DATA';
  readonly field: string;
  constructor(field: string, expected: string) {
    super(`job data: ${field === '' ? '' : `${field}: `}${expected}`);
    this.field = field;
  }
}

/** Redis could not be reached, or went away during a command that does not wait for it. The CLI exits 1. */
export class RedisUnavailableError extends CitesnapError {
  readonly code = 'REDIS_UNAVAILABLE';
}

/**
 * PostgreSQL (CITESNAP_DATABASE_URL) could not be reached, refused the connection, or has
 * no citesnap schema yet (`citesnap migrate` makes it). The CLI exits 1.
 */
export class DatabaseUnavailableError extends CitesnapError {
  readonly code = 'DATABASE_UNAVAILABLE';
}

/** A worker shutting down asked for a job back before it finished; the job is retried elsewhere. */
export class HandBack extends CitesnapError {
  readonly code = 'HANDED_BACK';
}

/**
 * A file of the data dir (a WARC file, a record, an index entry) could not be written:
 * a full disk, a lost mount, a read-only folder. The message names the file, which
 * Node's own write errors do not (`ENOSPC: no space left on device, write`); the CLI
 * adds the document. `cause` is the system error.
 */
export class StorageWriteError extends CitesnapError {
  readonly code = 'STORAGE_WRITE';
  /** The file that was being written. */
  readonly path: string;
  /** The system error's code (ENOSPC, EROFS, EACCES…), when it has one. */
  readonly systemCode: string | undefined;
  /** What went wrong, without the file: `no space left on device (ENOSPC)`. */
  readonly reason: string;
  /** The document whose work wrote it, once known (see forDocument). */
  readonly docId: string | undefined;
  constructor(path: string, cause: unknown, docId?: string) {
    const reason = systemErrorText(cause);
    super(`${docId === undefined ? '' : `${docId}: `}cannot write ${path}: ${reason}`, { cause });
    this.path = path;
    this.systemCode = errnoCode(cause);
    this.reason = reason;
    this.docId = docId;
  }

  /** The same error, its message starting with the document it stopped (`<docId>: cannot write …`). */
  forDocument(docId: string): StorageWriteError {
    return this.docId === undefined ? new StorageWriteError(this.path, this.cause, docId) : this;
  }
}

/** `error` as a StorageWriteError naming `path`; one that already names a file is kept as it is. */
export function storageWriteError(path: string, error: unknown): StorageWriteError {
  return error instanceof StorageWriteError ? error : new StorageWriteError(path, error);
}

/** `no space left on device (ENOSPC)` from Node's `ENOSPC: no space left on device, write`. */
function systemErrorText(error: unknown): string {
  const message = messageOf(error);
  const code = errnoCode(error);
  if (code === undefined) return message;
  const description = message.startsWith(`${code}: `)
    ? message.slice(code.length + 2).replace(/, \w+( '.*')?$/, '')
    : message;
  return `${description} (${code})`;
}

/** Narrows an unknown error to a Node system error (one with a string `code` such as ENOENT). */
export function isErrnoException(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && 'code' in error && typeof error.code === 'string';
}

/** The Node error code of `error` (ENOENT, EADDRINUSE, …), or undefined when it has none. */
export function errnoCode(error: unknown): string | undefined {
  return isErrnoException(error) ? error.code : undefined;
}

/** The message of anything thrown: an Error's message, anything else as a string. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Anything thrown, as an Error: an Error as it is, anything else wrapped (for APIs that take an Error). */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
