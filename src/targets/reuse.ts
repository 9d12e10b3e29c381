import type { ErrorCode, TargetIndexEntry, TargetOutcome } from '../model/index.js';

/** Errors that mean no upstream answered: the network here may be at fault, not the target. */
const NO_ANSWER_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['DNS', 'TIMEOUT', 'CONNECTION', 'TLS']);

/**
 * The reuse rule: an index entry stands in for a new check when it was made within
 * the refresh window (CITESNAP_REFRESH_AFTER) and an upstream answered it. A
 * failure, or a link whose last request got no answer at all (a name that did not
 * resolve, a timeout), may be the network here rather than the target: the next run
 * asks again. An entry dated in the future (a clock set back) is not trusted.
 */
export function isReusable(entry: TargetIndexEntry, options: { now: Date; refreshAfterMs: number }): boolean {
  const age = options.now.getTime() - Date.parse(entry.checkedAt);
  if (!(age >= 0 && age < options.refreshAfterMs)) return false;
  return upstreamAnswered(entry.outcome);
}

function upstreamAnswered(outcome: TargetOutcome): boolean {
  if (outcome.kind === 'post') return outcome.check.status !== 'failed';
  const { end } = outcome.check;
  if (end.kind !== 'error') return true;
  return end.status !== 'failed' && !NO_ANSWER_CODES.has(end.error.code);
}
