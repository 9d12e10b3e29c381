// What `recheck --doc-id ID --older-than D` picks in one document (contract section 3).
// A run over the archive follows the schedule of src/targets/recheck-schedule.ts.

/** True when a citation's newest check is older than `cutoff` (ms since the epoch), or it has none. */
export function newestCheckBefore(checks: readonly { at: string }[], cutoff: number): boolean {
  const newest = checks.reduce((latest, check) => Math.max(latest, Date.parse(check.at)), Number.NEGATIVE_INFINITY);
  return newest < cutoff;
}
