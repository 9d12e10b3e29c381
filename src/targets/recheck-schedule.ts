import type { Status } from '../model/index.js';

/**
 * When a target is due to be asked again (contract section 10). Pure: the planner
 * feeds it what the store keeps of each target, and bench/recheck feeds it a
 * simulated archive to print what a year of rechecks costs.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** What the schedule needs to know of one target's history. */
export interface TargetHistory {
  /** ms since the epoch of the target's first check. */
  firstCheckedAt: number;
  /** ms since the epoch of its newest check. */
  lastCheckedAt: number;
  /** True when the newest check's status differs from the one before it. */
  changedAtLastCheck: boolean;
}

/**
 * The widening schedule, as [age from the first check, interval]: daily while a target
 * is under 3 days old, every 3 days until day 14, weekly until day 60, monthly (30 days)
 * until day 365, then every 90 days. Young posts are the ones that get deleted; an old
 * one that is still up rarely goes, so its checks can thin out.
 */
export const WIDENING_STEPS: readonly { untilAgeMs: number; intervalMs: number }[] = [
  { untilAgeMs: 3 * DAY_MS, intervalMs: DAY_MS },
  { untilAgeMs: 14 * DAY_MS, intervalMs: 3 * DAY_MS },
  { untilAgeMs: 60 * DAY_MS, intervalMs: 7 * DAY_MS },
  { untilAgeMs: 365 * DAY_MS, intervalMs: 30 * DAY_MS },
  { untilAgeMs: Number.POSITIVE_INFINITY, intervalMs: 90 * DAY_MS },
];

/** A status that changed at the last check is confirmed a day later. */
export const CONFIRMATION_INTERVAL_MS = DAY_MS;

/**
 * How early a widening check may come: a daily cron run starts at the same minute
 * each day, but the run that made the last check took some time, so the next run
 * finds it a little under a day old. Without this slack such a target would wait a
 * second day. An eighth of the interval, at most 12 hours.
 */
export function earlinessAllowedMs(intervalMs: number): number {
  return Math.min(intervalMs / 8, 12 * HOUR_MS);
}

/** The interval between two checks of a target that was `ageMs` old at its newest check. */
export function wideningIntervalMs(ageMs: number): number {
  for (const step of WIDENING_STEPS) {
    if (ageMs < step.untilAgeMs) return step.intervalMs;
  }
  // Unreachable: the last step is open-ended.
  return 90 * DAY_MS;
}

/** Which schedule a run follows: the widening one, or `--older-than D` (a fixed interval, strict). */
export type RecheckSchedule = { kind: 'widening' } | { kind: 'fixed'; olderThanMs: number };

export const WIDENING: RecheckSchedule = { kind: 'widening' };

/**
 * The time (ms since the epoch) from which the target is due. The fixed schedule
 * keeps `--older-than`'s meaning exactly: due once the newest check is older than D.
 */
export function dueAt(history: TargetHistory, schedule: RecheckSchedule): number {
  if (schedule.kind === 'fixed') return history.lastCheckedAt + schedule.olderThanMs;
  const intervalMs = history.changedAtLastCheck
    ? CONFIRMATION_INTERVAL_MS
    : wideningIntervalMs(Math.max(0, history.lastCheckedAt - history.firstCheckedAt));
  return history.lastCheckedAt + intervalMs - earlinessAllowedMs(intervalMs);
}

/** True when the target should be asked again at `now`. A target never checked is due. */
export function isDue(history: TargetHistory | undefined, now: number, schedule: RecheckSchedule): boolean {
  if (history === undefined) return true;
  if (schedule.kind === 'fixed') return history.lastCheckedAt < now - schedule.olderThanMs;
  return now >= dueAt(history, schedule);
}

/**
 * The history the schedule reads from a citation's own checks (oldest first), for
 * a citation whose target the store does not know yet.
 */
export function historyOfChecks(checks: readonly { at: string; status: Status }[]): TargetHistory | undefined {
  const times = checks.map((check) => Date.parse(check.at)).filter((time) => Number.isFinite(time));
  if (times.length === 0) return undefined;
  const last = checks.at(-1);
  const beforeLast = checks.at(-2);
  return {
    firstCheckedAt: Math.min(...times),
    lastCheckedAt: Math.max(...times),
    changedAtLastCheck: last !== undefined && beforeLast !== undefined && last.status !== beforeLast.status,
  };
}
