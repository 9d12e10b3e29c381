import { Queue, type ConnectionOptions, type JobsOptions, type KeepJobs } from 'bullmq';
import type { ArchiveJobData } from './job-data.js';

/**
 * The queues, their job names and how long finished jobs are kept (contract section 9).
 * Every key lives under `<prefix>:<queue>:`; the prefix is CITESNAP_QUEUE_PREFIX
 * (`citesnap` by default) in use and a unique one per test.
 */
export const QUEUE = { documents: 'documents', maintenance: 'maintenance' } as const;
export const JOB = {
  archive: 'archive',
  recheck: 'recheck',
  retryFailed: 'retry-failed',
  recheckTargets: 'recheck-targets',
} as const;

export type MaintenanceJobName = typeof JOB.recheck | typeof JOB.retryFailed | typeof JOB.recheckTargets;

const HOUR_S = 3_600;
const DAY_S = 24 * HOUR_S;

/**
 * Retention, set on the workers (so it covers jobs other systems add) and on the
 * jobs this package adds. BullMQ trims on the next job to finish, not on a timer.
 *
 * - documents, completed: the last 1000 for at most 1 hour. The document record
 *   on disk is the result; the job keeps only a short summary, but its data may
 *   hold a whole article (`{ html }`), so completed jobs go quickly.
 * - documents, failed: the last 5000 for 7 days, to look at and retry by hand
 *   (`queue.retryJobs({ state: 'failed' })`).
 * - maintenance: the last 100 of each for 30 days: one a night is a small history.
 */
export const RETENTION: Record<keyof typeof QUEUE, { removeOnComplete: KeepJobs; removeOnFail: KeepJobs }> = {
  documents: {
    removeOnComplete: { age: HOUR_S, count: 1_000 },
    removeOnFail: { age: 7 * DAY_S, count: 5_000 },
  },
  maintenance: {
    removeOnComplete: { age: 30 * DAY_S, count: 100 },
    removeOnFail: { age: 30 * DAY_S, count: 100 },
  },
};

/**
 * Retries of a document job that threw (Redis or the disk away, an article fetch
 * that timed out): 5 attempts in all, 10 s, 20 s, 40 s, 80 s apart. A job other
 * systems add without `attempts` gets BullMQ's default of one attempt.
 */
export const ARCHIVE_ATTEMPTS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 10_000 },
} as const satisfies JobsOptions;

/**
 * The options of an `archive` job for `docId`. Deduplication (BullMQ's simple mode,
 * keyed by the doc id) drops a job for a docId whose earlier job still waits: the
 * add returns that job. `keepLastIfActive` covers the earlier job being processed
 * already: the newest source is kept and runs once that job ends, so an article
 * updated while it is archived is archived again, and two jobs of one document
 * never run at once. A custom job id was not used: it would also refuse a docId
 * whose earlier job finished (and is kept in the completed set).
 */
export function archiveJobOptions(docId: string): JobsOptions {
  return {
    ...ARCHIVE_ATTEMPTS,
    ...RETENTION.documents,
    deduplication: { id: docId, keepLastIfActive: true },
  };
}

/**
 * A `recheck-targets` part: retried like a document job (a part is a few minutes of
 * work at most, and a rerun reuses what the first attempt checked).
 */
export const RECHECK_PART_ATTEMPTS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 10_000 },
} as const satisfies JobsOptions;

export interface QueueConnection {
  connection: ConnectionOptions;
  /** The BullMQ key prefix: CITESNAP_QUEUE_PREFIX (config.queuePrefix), or a test's own. */
  prefix: string;
}

export function openDocumentsQueue(options: QueueConnection): Queue<ArchiveJobData, unknown, typeof JOB.archive> {
  return new Queue<ArchiveJobData, unknown, typeof JOB.archive>(QUEUE.documents, {
    connection: options.connection,
    prefix: options.prefix,
    defaultJobOptions: { ...ARCHIVE_ATTEMPTS, ...RETENTION.documents },
  });
}

export function openMaintenanceQueue(
  options: QueueConnection,
): Queue<Record<string, unknown>, unknown, MaintenanceJobName> {
  return new Queue<Record<string, unknown>, unknown, MaintenanceJobName>(QUEUE.maintenance, {
    connection: options.connection,
    prefix: options.prefix,
    defaultJobOptions: { attempts: 3, backoff: { type: 'exponential', delay: 60_000 }, ...RETENTION.maintenance },
  });
}
