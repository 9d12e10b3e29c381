import { isAbsolute } from 'node:path';
import { parseDuration } from '../src/duration.js';
import { JobDataError } from '../src/errors.js';
import { DOC_ID_PATTERN } from '../src/model/index.js';
import { WIDENING, type RecheckSchedule } from '../src/targets/recheck-schedule.js';

/**
 * The public job data of contract section 9. Other systems add these jobs straight
 * to Redis, so the worker treats `job.data` as `unknown` until it has passed
 * `parseArchiveJobData`: a job that does not match fails at once, unretried, with a
 * reason that names the field.
 */
export interface ArchiveJobData {
  docId: string;
  source: ArchiveJobSource;
}

export type ArchiveJobSource =
  | { url: string }
  /** An absolute path to a regular file under the workers' CITESNAP_SOURCE_ROOT (refused without one). */
  | { path: string }
  | { html: string; uri?: string }
  | { text: string; uri?: string };

/** Data of the `recheck` maintenance job (its scheduler's template). */
export interface RecheckJobData {
  /** The widening schedule, or with `olderThan` a fixed interval (contract section 10). */
  schedule: RecheckSchedule;
}

/**
 * Data of a `recheck-targets` job: one part of a run, put on the queue by the job that
 * planned the run. Not public: only citesnap's own planner adds these.
 */
export interface RecheckTargetsJobData {
  /** The planning job's name: `recheck` or `retry-failed`. */
  run: MaintenanceRunName;
  /** ISO time the run was planned: a target checked since is not asked again when the part is retried. */
  plannedAt: string;
  /** 0-based, and parts in the run. */
  part: number;
  of: number;
  /** The part's documents, each with the keys of its targets due in the run (`post:<id>`, `link:<url>`, `embed:<hash>`). */
  documents: { docId: string; targets: string[] }[];
}

export type MaintenanceRunName = 'recheck' | 'retry-failed';

/** Most documents one part may carry, target keys in all, and the longest key (a URL) accepted. */
export const MAX_PART_DOCUMENTS = 1_000;
const MAX_PART_TARGET_KEYS = 100_000;
const MAX_TARGET_KEY_LENGTH = 8_192;

const SOURCE_KINDS = ['url', 'path', 'html', 'text'] as const;

export function parseArchiveJobData(data: unknown): ArchiveJobData {
  const record = asRecord(data, '');
  rejectUnknownFields(record, ['docId', 'source'], '');
  const docId = record.docId;
  if (docId === undefined) throw new JobDataError('docId', 'missing; expected a doc id');
  if (typeof docId !== 'string' || !DOC_ID_PATTERN.test(docId)) {
    throw new JobDataError(
      'docId',
      `expected 1 to 200 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit, got ${describe(docId)}`,
    );
  }
  if (record.source === undefined)
    throw new JobDataError('source', 'missing; expected one of { url }, { path }, { html, uri? } or { text, uri? }');
  return { docId, source: parseSource(asRecord(record.source, 'source')) };
}

function parseSource(source: Record<string, unknown>): ArchiveJobSource {
  const kinds = SOURCE_KINDS.filter((kind) => source[kind] !== undefined);
  const [kind] = kinds;
  if (kind === undefined || kinds.length > 1) {
    throw new JobDataError(
      'source',
      `expected exactly one of url, path, html or text, got ${kinds.length === 0 ? 'none' : kinds.join(' and ')}`,
    );
  }
  const value = source[kind];
  switch (kind) {
    case 'url': {
      rejectUnknownFields(source, ['url'], 'source');
      if (typeof value !== 'string' || !isHttpUrl(value))
        throw new JobDataError('source.url', `expected an http(s) URL, got ${describe(value)}`);
      return { url: value };
    }
    case 'path': {
      rejectUnknownFields(source, ['path'], 'source');
      if (typeof value !== 'string' || value === '' || value.includes('\0') || !isAbsolute(value)) {
        throw new JobDataError(
          'source.path',
          `expected an absolute file path (under the workers' CITESNAP_SOURCE_ROOT), got ${describe(value)}`,
        );
      }
      return { path: value };
    }
    case 'html':
    case 'text': {
      rejectUnknownFields(source, [kind, 'uri'], 'source');
      if (typeof value !== 'string')
        throw new JobDataError(`source.${kind}`, `expected a string, got ${describe(value)}`);
      const uri = source.uri;
      if (uri === undefined) return kind === 'html' ? { html: value } : { text: value };
      if (typeof uri !== 'string' || uri.trim() === '')
        throw new JobDataError('source.uri', `expected a non-empty string, got ${describe(uri)}`);
      return kind === 'html' ? { html: value, uri } : { text: value, uri };
    }
  }
}

/** The `recheck` job's data: `{ olderThan?: "7d" | seconds }`; without it, the widening schedule. */
export function parseRecheckJobData(data: unknown): RecheckJobData {
  const record = data === undefined || data === null ? {} : asRecord(data, '');
  rejectUnknownFields(record, ['olderThan'], '');
  const olderThan = record.olderThan;
  if (olderThan === undefined) return { schedule: WIDENING };
  if (typeof olderThan === 'number' && Number.isFinite(olderThan) && olderThan >= 0)
    return { schedule: { kind: 'fixed', olderThanMs: Math.round(olderThan * 1000) } };
  if (typeof olderThan !== 'string')
    throw new JobDataError('olderThan', `expected a duration such as 7d, got ${describe(olderThan)}`);
  try {
    return { schedule: { kind: 'fixed', olderThanMs: parseDuration(olderThan, 'olderThan') } };
  } catch {
    throw new JobDataError(
      'olderThan',
      `expected a duration such as 90s, 30m, 24h, 7d or plain seconds, got ${describe(olderThan)}`,
    );
  }
}

/** A `recheck-targets` job's data; see RecheckTargetsJobData. */
export function parseRecheckTargetsJobData(data: unknown): RecheckTargetsJobData {
  const record = asRecord(data, '');
  rejectUnknownFields(record, ['run', 'plannedAt', 'part', 'of', 'documents'], '');
  const { run, plannedAt, part, of, documents } = record;
  if (run !== 'recheck' && run !== 'retry-failed')
    throw new JobDataError('run', `expected "recheck" or "retry-failed", got ${describe(run)}`);
  if (typeof plannedAt !== 'string' || !Number.isFinite(Date.parse(plannedAt)))
    throw new JobDataError('plannedAt', `expected an ISO time, got ${describe(plannedAt)}`);
  if (typeof of !== 'number' || !Number.isSafeInteger(of) || of < 1)
    throw new JobDataError('of', `expected a whole number of at least 1, got ${describe(of)}`);
  if (typeof part !== 'number' || !Number.isSafeInteger(part) || part < 0 || part >= of)
    throw new JobDataError('part', `expected a whole number from 0 to ${of - 1}, got ${describe(part)}`);
  if (!Array.isArray(documents) || documents.length === 0 || documents.length > MAX_PART_DOCUMENTS) {
    throw new JobDataError(
      'documents',
      `expected an array of 1 to ${MAX_PART_DOCUMENTS} documents, got ${describe(documents)}`,
    );
  }
  let keyCount = 0;
  const parsed: RecheckTargetsJobData['documents'] = [];
  for (const [index, value] of documents.entries()) {
    const field = `documents[${index}]`;
    const document = asRecord(value, field);
    rejectUnknownFields(document, ['docId', 'targets'], field);
    const { docId, targets } = document;
    if (typeof docId !== 'string' || !DOC_ID_PATTERN.test(docId))
      throw new JobDataError(`${field}.docId`, `expected a doc id matching ${DOC_ID_PATTERN}, got ${describe(docId)}`);
    if (!Array.isArray(targets) || targets.length === 0)
      throw new JobDataError(`${field}.targets`, `expected a non-empty array of target keys, got ${describe(targets)}`);
    keyCount += targets.length;
    if (keyCount > MAX_PART_TARGET_KEYS)
      throw new JobDataError(`${field}.targets`, `expected at most ${MAX_PART_TARGET_KEYS} target keys in a part`);
    const keys: string[] = [];
    for (const [position, key] of targets.entries()) {
      if (
        typeof key !== 'string' ||
        key.length > MAX_TARGET_KEY_LENGTH ||
        !/^(post:\d+|link:https?:\/\/\S+|embed:\S+)$/.test(key)
      ) {
        throw new JobDataError(
          `${field}.targets[${position}]`,
          `expected a target key (post:<id>, link:<http(s) URL> or embed:<hash>), got ${describe(key)}`,
        );
      }
      keys.push(key);
    }
    parsed.push({ docId, targets: keys });
  }
  return { run, plannedAt, part, of, documents: parsed };
}

/** The `retry-failed` job's data: nothing (an empty object, or none). */
export function parseRetryFailedJobData(data: unknown): Record<string, never> {
  const record = data === undefined || data === null ? {} : asRecord(data, '');
  rejectUnknownFields(record, [], '');
  return {};
}

function asRecord(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new JobDataError(field, `expected an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

/** A misspelt field (`docID`, `source.URL`) is refused rather than silently ignored. */
function rejectUnknownFields(record: Record<string, unknown>, known: readonly string[], parent: string): void {
  const unknown = Object.keys(record).find((key) => !known.includes(key));
  if (unknown !== undefined) {
    const field = parent === '' ? unknown : `${parent}.${unknown}`;
    throw new JobDataError(
      field,
      `unexpected field; expected only ${known.length === 0 ? 'no fields' : known.join(', ')}`,
    );
  }
}

function isHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
}

/** A short, safe rendering of a bad value for a failure reason. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return value.length > 60
      ? `${JSON.stringify(value.slice(0, 60))}… (${value.length} characters)`
      : JSON.stringify(value);
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return `${typeof value} ${value}`;
  return typeof value;
}
