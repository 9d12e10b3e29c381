// Checks a record read back from storage against the record's format (contract
// section 7), so that a file edited or damaged by hand is one clear error naming
// where it is and which field is wrong, not a crash somewhere later.
import type { Citation, DocumentRecord, Status } from './record.js';

const STATUSES: ReadonlySet<string> = new Set<Status>([
  'archived',
  'deleted',
  'suspended',
  'protected',
  'unavailable',
  'unidentified',
  'dead',
  'blocked',
  'failed',
]);

/** Why a value is not a record: the field (`citations[3].status`) and what was expected there. */
export interface RecordProblem {
  field: string;
  expected: string;
}

/** Returns the problem of the first field that does not fit the record's format, or undefined when `value` is a record. */
export function recordProblem(value: unknown): RecordProblem | undefined {
  if (!isObject(value)) return { field: '', expected: 'a JSON object' };
  if (value.schemaVersion !== 1) return { field: 'schemaVersion', expected: '1' };
  if (typeof value.docId !== 'string') return { field: 'docId', expected: 'a string' };
  const { source } = value;
  if (!isObject(source)) return { field: 'source', expected: 'an object' };
  for (const key of ['uri', 'mediaType', 'sha256'] as const) {
    if (typeof source[key] !== 'string') return { field: `source.${key}`, expected: 'a string' };
  }
  if (typeof source.bytes !== 'number') return { field: 'source.bytes', expected: 'a number' };
  if (typeof value.processedAt !== 'string') return { field: 'processedAt', expected: 'an ISO 8601 time' };
  if (!Array.isArray(value.citations)) return { field: 'citations', expected: 'an array' };
  for (const [index, citation] of value.citations.entries()) {
    const problem = citationProblem(citation);
    if (problem)
      return {
        field: `citations[${index}]${problem.field === '' ? '' : `.${problem.field}`}`,
        expected: problem.expected,
      };
  }
  return undefined;
}

/** Narrows `value` to a record: true when recordProblem() finds none. */
export function isDocumentRecord(value: unknown): value is DocumentRecord {
  return recordProblem(value) === undefined;
}

function citationProblem(value: unknown): RecordProblem | undefined {
  if (!isObject(value)) return { field: '', expected: 'an object' };
  if (typeof value.id !== 'string') return { field: 'id', expected: 'a string' };
  if (value.type !== 'post' && value.type !== 'link') return { field: 'type', expected: '"post" or "link"' };
  if (typeof value.status !== 'string' || !STATUSES.has(value.status))
    return { field: 'status', expected: `one of ${[...STATUSES].join(', ')}` };
  if (!Array.isArray(value.occurrences)) return { field: 'occurrences', expected: 'an array' };
  if (!Array.isArray(value.checks)) return { field: 'checks', expected: 'an array' };
  for (const [index, check] of value.checks.entries()) {
    if (!isObject(check) || typeof check.at !== 'string' || typeof check.status !== 'string') {
      return { field: `checks[${index}]`, expected: 'an object with at and status' };
    }
  }
  for (const key of ['post', 'link', 'capture'] as const satisfies readonly (keyof Citation)[]) {
    if (value[key] !== undefined && !isObject(value[key])) return { field: key, expected: 'an object' };
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
