import type { ErrorCode } from './record/types.js';

/**
 * The one base class of citesnap's errors. Every error has a stable `code`;
 * callers match on the code, never on the message.
 */
export class CitesnapError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Bad usage or bad input (missing file, invalid doc id, bad config): the CLI exits 2. */
export class UsageError extends CitesnapError {
  constructor(message: string, options?: ErrorOptions) {
    super('USAGE', message, options);
  }
}

/**
 * A request that did not end in a usable answer. `code` is one of the record's
 * error codes, so the pipeline can put it into a citation as it is.
 */
export class FetchError extends CitesnapError {
  declare readonly code: ErrorCode;
  /** The HTTP status where there was an answer (for HTTP_STATUS and RATE_LIMITED). */
  readonly httpStatus: number | undefined;
  constructor(code: ErrorCode, message: string, options?: ErrorOptions & { httpStatus?: number }) {
    super(code, message, options);
    this.httpStatus = options?.httpStatus;
  }
}
