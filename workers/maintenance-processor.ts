import { UnrecoverableError, WaitingError, type Job } from 'bullmq';
import type { Logger, TargetClaims } from '../src/ports.js';
import { recheckDocument } from '../src/pipeline/index.js';
import { countStatuses } from '../src/record/citation-stats.js';
import { newestCheckBefore } from '../src/record/checks.js';
import type { Citation } from '../src/model/index.js';
import { HandBack, messageOf } from '../src/errors.js';
import { untilAborted, type PipelineHandle } from './archive-processor.js';
import { parseRecheckJobData, parseRetryFailedJobData } from './job-data.js';
import { errorFields, silentLogger } from './log.js';
import type { JobOutcome, WorkerMetrics } from './metrics.js';
import { JOB, QUEUE } from './queues.js';

const PROGRESS_EVERY_DOCUMENTS = 100;

export interface MaintenanceProcessorOptions {
  pipeline: PipelineHandle;
  /** Serialises work on one document record across workers; see ArchiveProcessorOptions. */
  documentLocks?: TargetClaims;
  log?: Logger;
  metrics?: WorkerMetrics;
  /** Default: the clock. */
  now?: () => Date;
}

/** A maintenance job's return value. */
export interface MaintenanceResult {
  /** Documents looked at. */
  documents: number;
  /** Documents with at least one citation checked again. */
  changedDocuments: number;
  /** Citations checked again. */
  rechecked: number;
}

export type MaintenanceJob = Job<unknown, MaintenanceResult>;

/** Status of the citations `retry-failed` asks about again. */
const RETRIED_STATUSES: ReadonlySet<Citation['status']> = new Set(['failed', 'unidentified']);

/**
 * The `maintenance` queue's processor, for the jobs the schedulers make
 * (contract section 9), over every record in the data dir:
 *
 * - `recheck` (`{ olderThan?: "7d" }`): the citations whose newest check is older;
 * - `retry-failed` (`{}`): the citations whose status is `failed` or `unidentified`.
 *
 * Documents are done one after another, each under its document lock; a document
 * that fails is logged and the rest go on, and the job then throws to be retried
 * (a rerun skips what was done: rechecked citations are no longer old). Shutdown
 * hands the job back between two documents.
 */
export function createMaintenanceProcessor(options: MaintenanceProcessorOptions) {
  const log = options.log ?? silentLogger;
  const now = options.now ?? (() => new Date());
  const { ports } = options.pipeline;

  return async function processMaintenanceJob(job: MaintenanceJob, token?: string, signal?: AbortSignal): Promise<MaintenanceResult> {
    const started = performance.now();
    const jobLog = log.child({ queue: QUEUE.maintenance, jobId: job.id, job: job.name });
    const finish = (outcome: JobOutcome) => options.metrics?.jobRun(QUEUE.maintenance, job.name, outcome, (performance.now() - started) / 1000);

    let select: (citation: Citation) => boolean;
    try {
      select = selectorFor(job, now());
    } catch (error) {
      finish('invalid');
      jobLog.warn('job.invalid', errorFields(error));
      throw new UnrecoverableError(messageOf(error));
    }
    jobLog.info('job.started', {});

    const result: MaintenanceResult = { documents: 0, changedDocuments: 0, rechecked: 0 };
    const failures: { docId: string; error: string }[] = [];
    try {
      const docIds = await ports.store.documents.list();
      for (const [index, docId] of docIds.entries()) {
        if (signal?.aborted) throw new HandBack('shutting down');
        // A Redis round trip a document would cost more than most documents' own work.
        if (index > 0 && index % PROGRESS_EVERY_DOCUMENTS === 0) await job.updateProgress({ done: index, total: docIds.length });
        try {
          // Most documents have nothing due: look before taking the lock (recheckDocument
          // reads the record again under it, so nothing changed meanwhile is lost).
          const current = await ports.store.documents.read(docId);
          if (current === undefined || !current.citations.some(select)) {
            result.documents += 1;
            continue;
          }
          const release = await options.documentLocks?.acquire(`document:${docId}`);
          try {
            const documentStarted = Date.now();
            const work = recheckDocument(docId, select, ports);
            const outcome = await (signal === undefined ? work : untilAborted(work, signal));
            result.documents += 1;
            if (outcome && outcome.rechecked > 0) {
              result.changedDocuments += 1;
              result.rechecked += outcome.rechecked;
              const checkedNow = outcome.record.citations.filter((citation) => !newestCheckBefore(citation.checks, documentStarted - 1_000));
              options.metrics?.recordCitations(countStatuses(checkedNow));
              jobLog.info('document.rechecked', { docId, rechecked: outcome.rechecked });
            }
          } finally {
            await release?.();
          }
        } catch (error) {
          if (error instanceof HandBack) throw error;
          failures.push({ docId, error: errorFields(error).error });
          jobLog.error('document.recheck_failed', { docId, ...errorFields(error) });
        }
      }
      await job.updateProgress({ done: result.documents + failures.length, total: docIds.length });
    } catch (error) {
      if (error instanceof HandBack) {
        await job.moveToWait(token);
        finish('handed_back');
        jobLog.info('job.handed_back', { reason: error.message, ...result });
        throw new WaitingError();
      }
      finish('error');
      jobLog.error('job.error', errorFields(error));
      throw error;
    }

    if (failures.length > 0) {
      finish('error');
      const [first] = failures;
      throw new Error(`${failures.length} of ${result.documents + failures.length} documents could not be rechecked; first ${first?.docId}: ${first?.error}`);
    }
    finish('completed');
    jobLog.info('job.completed', { durationMs: Math.round(performance.now() - started), ...result });
    return result;
  };
}

/** Which citations a maintenance job asks about again. Throws JobDataError for bad data. */
function selectorFor(job: MaintenanceJob, now: Date): (citation: Citation) => boolean {
  switch (job.name) {
    case JOB.recheck: {
      const { olderThanMs } = parseRecheckJobData(job.data);
      const cutoff = now.getTime() - olderThanMs;
      return (citation) => newestCheckBefore(citation.checks, cutoff);
    }
    case JOB.retryFailed:
      parseRetryFailedJobData(job.data);
      return (citation) => RETRIED_STATUSES.has(citation.status);
    default:
      throw new Error(`job name: expected "${JOB.recheck}" or "${JOB.retryFailed}" on the ${QUEUE.maintenance} queue, got ${JSON.stringify(job.name)}`);
  }
}
