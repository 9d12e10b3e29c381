/**
 * Structured logs for the queue workers: one JSON object a line, one line an event.
 * Every line has `time`, `level` and `event`; job events add `queue`, `jobId` and
 * `docId`, so `jq 'select(.docId == "x")'` follows one document through the fleet.
 */
import type { LogFields, Logger, LogLevel } from '../src/ports.js';

export interface JsonLoggerOptions {
  /** Where lines go. Default: process.stdout. */
  write?: (line: string) => void;
  /** Lines below this level are dropped. Default: 'info' ('debug' when CITESNAP_DEBUG is set). */
  level?: LogLevel;
  /** Fields on every line. */
  fields?: LogFields;
  now?: () => Date;
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createJsonLogger(options: JsonLoggerOptions = {}): Logger {
  const write = options.write ?? ((line: string) => void process.stdout.write(line));
  const threshold = LEVELS[options.level ?? (process.env.CITESNAP_DEBUG ? 'debug' : 'info')];
  const now = options.now ?? (() => new Date());
  const make = (base: LogFields): Logger => {
    const emit =
      (level: LogLevel) =>
      (event: string, fields: LogFields = {}) => {
        if (LEVELS[level] < threshold) return;
        write(`${formatLine({ time: now().toISOString(), level, event, ...base, ...fields })}\n`);
      };
    return {
      debug: emit('debug'),
      info: emit('info'),
      warn: emit('warn'),
      error: emit('error'),
      child: (fields) => make({ ...base, ...fields }),
    };
  };
  return make(options.fields ?? {});
}

/** A logger that drops everything (the default of library entry points and tests). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

/** The fields worth logging of an error: its message, and its code where it has one. */
export function errorFields(error: unknown): { error: string; code?: string } {
  if (error instanceof Error) {
    return 'code' in error && typeof error.code === 'string'
      ? { error: error.message, code: error.code }
      : { error: error.message };
  }
  return { error: String(error) };
}

/** One line of JSON; a value JSON cannot hold (a BigInt, a cycle) becomes its string form. */
function formatLine(fields: LogFields): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(fields, (_key, value: unknown) => {
    if (value === undefined) return undefined;
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Error) return errorFields(value);
    if (typeof value === 'object' && value !== null) {
      if (seen.has(value)) return '[circular]';
      seen.add(value);
    }
    return value;
  });
}
