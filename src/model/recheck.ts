// What a recheck picks: the contract's `--older-than` rule and its default (section 8).

/** Citations whose newest check is older than this are asked about again by default (`recheck`, the recheck schedule). */
export const DEFAULT_RECHECK_OLDER_THAN = '7d';

/**
 * True when a citation's newest check is older than `cutoff` (ms since the epoch), or
 * it has none: what `recheck --older-than` and the `recheck` schedule pick.
 */
export function newestCheckBefore(checks: readonly { at: string }[], cutoff: number): boolean {
  const newest = checks.reduce((latest, check) => Math.max(latest, Date.parse(check.at)), Number.NEGATIVE_INFINITY);
  return newest < cutoff;
}
