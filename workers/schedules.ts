import { getNextMillis, type Queue } from 'bullmq';
import { parseDuration } from '../src/duration.js';
import { UsageError } from '../src/errors.js';
import { JOB, RETENTION, type MaintenanceJobName } from './queues.js';

/**
 * The cron job schedulers of the `maintenance` queue (contract section 9). Their
 * ids are stable (`recheck`, `retry-failed`) and upsertJobScheduler is one atomic
 * script, so running `citesnap schedule` twice, or from two machines at once,
 * leaves one scheduler of each and one pending job of each. Patterns are read in
 * UTC, by the same cron parser BullMQ schedules with.
 */

export const SCHEDULER_NAMES = [JOB.recheck, JOB.retryFailed] as const satisfies readonly MaintenanceJobName[];

/** The jobs a scheduler makes: each plans a run and puts its parts on the queue. */
export type ScheduledJobName = (typeof SCHEDULER_NAMES)[number];

/** Every night at 03:00 UTC; every 6 hours at half past. */
export const DEFAULT_PATTERNS: Record<ScheduledJobName, string> = {
  [JOB.recheck]: '0 3 * * *',
  [JOB.retryFailed]: '30 */6 * * *',
};

export const SCHEDULE_TIME_ZONE = 'UTC';

export type ScheduleSpec =
  | {
      name: typeof JOB.recheck;
      pattern: string;
      /** A duration such as 7d: a fixed interval instead of the widening schedule. */ olderThan?: string;
    }
  | { name: typeof JOB.retryFailed; pattern: string };

export interface ScheduleInfo {
  name: string;
  pattern: string;
  /** The next run, when the scheduler has one. */
  next: Date | undefined;
}

/** The pattern as given, after checking that BullMQ's cron parser reads it; a UsageError names `where` otherwise. */
export function validateCronPattern(pattern: string, where: string): string {
  const trimmed = pattern.trim().replace(/\s+/g, ' ');
  const fields = trimmed.split(' ').length;
  let next: number | undefined;
  try {
    next =
      fields === 5 || fields === 6
        ? getNextMillis(Date.now(), { pattern: trimmed, tz: SCHEDULE_TIME_ZONE })
        : undefined;
  } catch {
    next = undefined;
  }
  if (next === undefined || !Number.isFinite(next)) {
    throw new UsageError(
      `${where}: expected a cron pattern of 5 fields (minute hour day-of-month month day-of-week, in UTC), or 6 with seconds first, e.g. "0 3 * * *", got ${JSON.stringify(pattern)}`,
    );
  }
  return trimmed;
}

/** When a pattern fires next after `from`, in UTC. */
export function nextRun(pattern: string, from: Date = new Date()): Date | undefined {
  const next = getNextMillis(from.getTime(), { pattern, tz: SCHEDULE_TIME_ZONE });
  return next === undefined ? undefined : new Date(next);
}

/** Creates or updates the schedulers; returns them as stored. */
export async function upsertSchedules(queue: Queue, specs: readonly ScheduleSpec[]): Promise<ScheduleInfo[]> {
  for (const spec of specs) {
    const pattern = validateCronPattern(spec.pattern, `--${spec.name}`);
    const data =
      spec.name === JOB.recheck && spec.olderThan !== undefined ? { olderThan: validOlderThan(spec.olderThan) } : {};
    await queue.upsertJobScheduler(
      spec.name,
      { pattern, tz: SCHEDULE_TIME_ZONE },
      {
        name: spec.name,
        data,
        opts: { attempts: 3, backoff: { type: 'exponential', delay: 60_000 }, ...RETENTION.maintenance },
      },
    );
  }
  const stored = await listSchedules(queue);
  return stored.filter((info) => specs.some((spec) => spec.name === info.name));
}

/** Every scheduler of the queue, by name. */
export async function listSchedules(queue: Queue): Promise<ScheduleInfo[]> {
  const schedulers = await queue.getJobSchedulers(0, -1, true);
  return schedulers
    .map((scheduler) => ({
      name: scheduler.key,
      pattern: scheduler.pattern ?? (scheduler.every === undefined ? '' : `every ${scheduler.every}ms`),
      next: scheduler.next === undefined ? undefined : new Date(Number(scheduler.next)),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Removes a scheduler and its pending job; false when there was none of that name. */
export async function removeSchedule(queue: Queue, name: string): Promise<boolean> {
  return queue.removeJobScheduler(name);
}

/** `name pattern nextRunISO`, the line `schedule --list` prints. */
export function formatSchedule(info: ScheduleInfo): string {
  return `${info.name} ${info.pattern} ${info.next?.toISOString() ?? '-'}`;
}

function validOlderThan(olderThan: string): string {
  parseDuration(olderThan, '--older-than');
  return olderThan;
}
