import type { Job } from 'bullmq';
import { HandBack } from '../src/errors.js';
import { newestCheckBefore, type Citation } from '../src/model/index.js';
import { recheckDocument } from '../src/pipeline/index.js';
import { systemClock, type Clock, type Logger, type TargetClaims } from '../src/ports.js';
import { countStatuses } from '../src/record/citation-stats.js';
import type { PipelineHandle } from './archive-processor.js';
import { throwIfHandedBack, untilAborted } from './hand-back.js';
import { parseRecheckJobData, parseRetryFailedJobData } from './job-data.js';
import { runJob } from './job-skeleton.js';
import { errorFields, silentLogger } from './log.js';
import type { WorkerMetrics } from './metrics.js';
import { JOB, QUEUE } from './queues.js';

const PROGRESS_EVERY_DOCUMENTS = 100;

export interface MaintenanceProcessorOptions {
  pipeline: PipelineHandle;
  /** Serialises work on one document record across workers; see ArchiveProcessorOptions. */
  documentLocks?: TargetClaims;
  log?: Logger;
  metrics?: WorkerMetrics;
  /** Default: the wall clock. */
  clock?: Clock;
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
  const context = { queue: QUEUE.maintenance, log: options.log ?? silentLogger, metrics: options.metrics };
  const clock = options.clock ?? systemClock;

  return function processMaintenanceJob(job: MaintenanceJob, token?: string, signal?: AbortSignal): Promise<MaintenanceResult> {
    const result: MaintenanceResult = { documents: 0, changedDocuments: 0, rechecked: 0 };
    return runJob(job, token, context, {
      jobFields: { job: job.name },
      parse: () => selectorFor(job, clock.now()),
      run: (select, log) => maintainAll({ job, select, signal, log, result, options }),
      completedFields: () => ({ ...result }),
      handedBackFields: () => ({ ...result }),
    });
  };
}

/** Rechecks what `select` picks in every document, one document after another; `result` counts as it goes. */
async function maintainAll(run: {
  job: MaintenanceJob;
  select: (citation: Citation) => boolean;
  signal: AbortSignal | undefined;
  log: Logger;
  result: MaintenanceResult;
  options: MaintenanceProcessorOptions;
}): Promise<MaintenanceResult> {
  const { job, select, signal, log, result, options } = run;
  const { ports } = options.pipeline;
  const failures: { docId: string; error: string }[] = [];
  const docIds = await ports.store.documents.list();
  for (const [index, docId] of docIds.entries()) {
    throwIfHandedBack(signal);
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
        const outcome = await untilAborted(recheckDocument(docId, select, ports), signal);
        result.documents += 1;
        if (outcome && outcome.rechecked > 0) {
          result.changedDocuments += 1;
          result.rechecked += outcome.rechecked;
          const checkedNow = outcome.record.citations.filter((citation) => !newestCheckBefore(citation.checks, documentStarted - 1_000));
          options.metrics?.recordCitations(countStatuses(checkedNow));
          log.info('document.rechecked', { docId, rechecked: outcome.rechecked });
        }
      } finally {
        await release?.();
      }
    } catch (error) {
      if (error instanceof HandBack) throw error;
      failures.push({ docId, error: errorFields(error).error });
      log.error('document.recheck_failed', { docId, ...errorFields(error) });
    }
  }
  await job.updateProgress({ done: result.documents + failures.length, total: docIds.length });
  if (failures.length > 0) {
    const [first] = failures;
    throw new Error(`${failures.length} of ${result.documents + failures.length} documents could not be rechecked; first ${first?.docId}: ${first?.error}`);
  }
  return result;
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
