import { UnrecoverableError, WaitingError, type Job, type Queue } from 'bullmq';
import { HandBack, messageOf } from '../src/errors.js';
import { planRecheckRun, recheckDocuments, type RecheckRun } from '../src/pipeline/index.js';
import type { Logger, TargetClaims } from '../src/ports.js';
import { planRecheckParts } from '../src/targets/recheck-plan.js';
import { untilAborted, type PipelineHandle } from './archive-processor.js';
import { parseRecheckJobData, parseRecheckTargetsJobData, parseRetryFailedJobData, type RecheckTargetsJobData } from './job-data.js';
import { errorFields, silentLogger } from './log.js';
import type { JobOutcome, WorkerMetrics } from './metrics.js';
import { JOB, QUEUE, RECHECK_PART_ATTEMPTS, RETENTION, type MaintenanceJobName } from './queues.js';

export interface MaintenanceProcessorOptions {
  pipeline: PipelineHandle;
  /** Where a planning job puts the parts of its run: the maintenance queue itself. */
  maintenanceQueue: Queue<unknown, unknown, MaintenanceJobName>;
  /** Serialises work on one document record across workers; see ArchiveProcessorOptions. */
  documentLocks?: TargetClaims;
  /** Most documents in one part (default: planRecheckParts's, 100). */
  partSize?: number;
  /** Documents one part works on at once (default 16). */
  partConcurrency?: number;
  log?: Logger;
  metrics?: WorkerMetrics;
  /** Default: the clock. */
  now?: () => Date;
}

/** What a planning job (`recheck`, `retry-failed`) returns. */
export interface PlanResult {
  /** Targets due in this run. */
  targets: number;
  /** Ids of the `recheck-targets` jobs it put on the queue. */
  parts: string[];
}

/** What a `recheck-targets` job returns. */
export interface PartResult {
  /** Records updated. */
  documents: number;
  /** Citations that got a new check. */
  citations: number;
}

export type MaintenanceResult = PlanResult | PartResult;
export type MaintenanceJob = Job<unknown, MaintenanceResult>;

/** Progress reported to BullMQ at most this often (each report is a Redis round trip). */
const PROGRESS_EVERY_MS = 1_000;

/**
 * The `maintenance` queue's processor (contract sections 9 and 10):
 *
 * - `recheck` (`{ olderThan? }`) and `retry-failed` (`{}`), made by the schedulers, only
 *   plan: they read the targets' states from the store (no record is read), pick the
 *   due ones (widening schedule or `olderThan`; or those failed or unidentified), ask
 *   the reverse index which documents cite them, and put those documents (each with its
 *   due targets) on this queue as `recheck-targets` jobs of at most 100 documents, which
 *   every worker takes. Their job ids derive from the planning job's, so a planning job
 *   retried after a crash adds no part twice.
 * - `recheck-targets` (one part) writes each of its documents once, with a new check of
 *   each due target, under the document's lock. A target is asked once a run: the first
 *   part to need it asks (under the target's claim), every other part, on any worker,
 *   reuses that check (checked since the run was planned). A part whose worker dies is
 *   taken up by another (BullMQ's stalled-job check) and asks nothing twice that was
 *   checked already. Shutdown hands the part back.
 */
export function createMaintenanceProcessor(options: MaintenanceProcessorOptions) {
  const log = options.log ?? silentLogger;
  const now = options.now ?? (() => new Date());
  const { ports } = options.pipeline;

  return async function processMaintenanceJob(job: MaintenanceJob, token?: string, signal?: AbortSignal): Promise<MaintenanceResult> {
    const started = performance.now();
    const jobLog = log.child({ queue: QUEUE.maintenance, jobId: job.id, job: job.name });
    const finish = (outcome: JobOutcome) => options.metrics?.jobRun(QUEUE.maintenance, job.name, outcome, (performance.now() - started) / 1000);

    let work: { kind: 'plan'; run: RecheckRun; runName: 'recheck' | 'retry-failed' } | { kind: 'part'; data: RecheckTargetsJobData };
    try {
      work = workOf(job);
    } catch (error) {
      finish('invalid');
      jobLog.warn('job.invalid', errorFields(error));
      throw new UnrecoverableError(messageOf(error));
    }
    jobLog.info('job.started', work.kind === 'part' ? { part: work.data.part, of: work.data.of, documents: work.data.documents.length } : {});

    try {
      let result: MaintenanceResult;
      if (work.kind === 'plan') {
        const plannedAt = now();
        const plan = await planRecheckRun(ports.store, work.run, plannedAt.getTime());
        const parts = planRecheckParts(plan.documents, { keyOf: (due) => due.docId, ...(options.partSize === undefined ? {} : { partSize: options.partSize }) });
        const base = `${String(job.id ?? `${job.name}-${plannedAt.getTime()}`).replace(/:/g, '-')}-part`;
        const added = await options.maintenanceQueue.addBulk(
          parts.map((part) => ({
            name: JOB.recheckTargets,
            data: { run: work.runName, plannedAt: plannedAt.toISOString(), part: part.index, of: part.of, documents: part.items } satisfies RecheckTargetsJobData,
            opts: { ...RECHECK_PART_ATTEMPTS, ...RETENTION.maintenance, jobId: `${base}-${part.index}` },
          })),
        );
        result = { targets: plan.targets.length, parts: added.map((part) => String(part.id)) };
        options.metrics?.recheckTargets.inc(plan.targets.length);
        jobLog.info('run.planned', { targets: plan.targets.length, documents: plan.documents.length, parts: parts.length });
      } else {
        const { data } = work;
        let lastReport = 0;
        const report = (progress: { documentsDone: number; documents: number }, force = false) => {
          if (!force && performance.now() - lastReport < PROGRESS_EVERY_MS) return;
          lastReport = performance.now();
          // Progress is for people watching; a report lost to a Redis blip is not worth failing the part.
          job.updateProgress({ part: data.part, of: data.of, ...progress }).catch((error: unknown) => jobLog.debug('progress.failed', errorFields(error)));
        };
        const running = recheckDocuments({
          documents: data.documents,
          plannedAt: Date.parse(data.plannedAt),
          ports,
          ...(options.documentLocks === undefined ? {} : { documentLocks: options.documentLocks }),
          ...(options.partConcurrency === undefined ? {} : { concurrency: options.partConcurrency }),
          ...(signal === undefined ? {} : { signal }),
          onProgress: (progress) => report(progress),
          onDocument: () => options.metrics?.recheckDocuments.inc(),
        });
        const outcome = await (signal === undefined ? running : untilAborted(running, signal));
        report({ documentsDone: data.documents.length, documents: data.documents.length }, true);
        if (outcome.failures.length > 0) {
          for (const failure of outcome.failures) jobLog.error('document.recheck_failed', { docId: failure.docId, ...errorFields(failure.error) });
          const [first] = outcome.failures;
          // Retried: the rerun reuses the checks made since the run was planned, and updates what is left.
          throw new Error(`${outcome.failures.length} documents could not be updated; first ${first?.docId}: ${errorFields(first?.error).error}`);
        }
        result = { documents: outcome.documents, citations: outcome.citations };
      }
      finish('completed');
      jobLog.info('job.completed', { durationMs: Math.round(performance.now() - started), ...result });
      return result;
    } catch (error) {
      if (error instanceof HandBack || (signal?.aborted === true && isAbortError(error))) {
        await job.moveToWait(token);
        finish('handed_back');
        jobLog.info('job.handed_back', { reason: error instanceof Error ? error.message : 'shutting down' });
        throw new WaitingError();
      }
      finish('error');
      jobLog.error('job.error', errorFields(error));
      throw error;
    }
  };
}

function workOf(job: MaintenanceJob): { kind: 'plan'; run: RecheckRun; runName: 'recheck' | 'retry-failed' } | { kind: 'part'; data: RecheckTargetsJobData } {
  switch (job.name) {
    case JOB.recheck:
      return { kind: 'plan', run: { kind: 'recheck', schedule: parseRecheckJobData(job.data).schedule }, runName: 'recheck' };
    case JOB.retryFailed:
      parseRetryFailedJobData(job.data);
      return { kind: 'plan', run: { kind: 'retry-failed' }, runName: 'retry-failed' };
    case JOB.recheckTargets:
      return { kind: 'part', data: parseRecheckTargetsJobData(job.data) };
    default:
      throw new Error(`job name: expected "${JOB.recheck}", "${JOB.retryFailed}" or "${JOB.recheckTargets}" on the ${QUEUE.maintenance} queue, got ${JSON.stringify(job.name)}`);
  }
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}
