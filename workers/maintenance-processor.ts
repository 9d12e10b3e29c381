import type { Job, Queue } from 'bullmq';
import { planRecheckRun, recheckDocuments, type RecheckRun } from '../src/pipeline/index.js';
import { systemClock, type Clock, type Logger, type TargetClaims } from '../src/ports.js';
import { planRecheckParts } from '../src/targets/recheck-plan.js';
import type { PipelineHandle } from './archive-processor.js';
import { untilAborted } from './hand-back.js';
import {
  parseRecheckJobData,
  parseRecheckTargetsJobData,
  parseRetryFailedJobData,
  type RecheckTargetsJobData,
} from './job-data.js';
import { runJob } from './job-skeleton.js';
import { errorFields, silentLogger } from './log.js';
import type { WorkerMetrics } from './metrics.js';
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
  /** Default: the wall clock. */
  clock?: Clock;
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
  const context = { queue: QUEUE.maintenance, log: options.log ?? silentLogger, metrics: options.metrics };
  const clock = options.clock ?? systemClock;

  return function processMaintenanceJob(
    job: MaintenanceJob,
    token?: string,
    signal?: AbortSignal,
  ): Promise<MaintenanceResult> {
    return runJob<Work, MaintenanceResult>(job, token, context, {
      jobFields: { job: job.name },
      parse: () => workOf(job),
      startedFields: (work) =>
        work.kind === 'part' ? { part: work.data.part, of: work.data.of, documents: work.data.documents.length } : {},
      run: (work, log) =>
        work.kind === 'plan'
          ? planRun(job, work, clock.now(), log, options)
          : runPart(job, work.data, signal, log, options),
      completedFields: (result) => ({ ...result }),
    });
  };
}

type Work =
  | { kind: 'plan'; run: RecheckRun; runName: 'recheck' | 'retry-failed' }
  | { kind: 'part'; data: RecheckTargetsJobData };

/** A scheduled job: the due targets' documents, put on the queue in parts. */
async function planRun(
  job: MaintenanceJob,
  work: Extract<Work, { kind: 'plan' }>,
  plannedAt: Date,
  log: Logger,
  options: MaintenanceProcessorOptions,
): Promise<PlanResult> {
  const plan = await planRecheckRun(options.pipeline.ports.store, work.run, plannedAt.getTime());
  const parts = planRecheckParts(plan.documents, {
    keyOf: (due) => due.docId,
    ...(options.partSize === undefined ? {} : { partSize: options.partSize }),
  });
  // BullMQ's custom job ids may not hold ':', which the schedulers' own ids do.
  const base = `${String(job.id ?? `${job.name}-${plannedAt.getTime()}`).replace(/:/g, '-')}-part`;
  const added = await options.maintenanceQueue.addBulk(
    parts.map((part) => ({
      name: JOB.recheckTargets,
      data: {
        run: work.runName,
        plannedAt: plannedAt.toISOString(),
        part: part.index,
        of: part.of,
        documents: part.items,
      } satisfies RecheckTargetsJobData,
      opts: { ...RECHECK_PART_ATTEMPTS, ...RETENTION.maintenance, jobId: `${base}-${part.index}` },
    })),
  );
  options.metrics?.recheckTargets.inc(plan.targets.length);
  log.info('run.planned', { targets: plan.targets.length, documents: plan.documents.length, parts: parts.length });
  return { targets: plan.targets.length, parts: added.map((part) => String(part.id)) };
}

/** One part of a run: its documents written once each, every due target asked once a run. */
async function runPart(
  job: MaintenanceJob,
  data: RecheckTargetsJobData,
  signal: AbortSignal | undefined,
  log: Logger,
  options: MaintenanceProcessorOptions,
): Promise<PartResult> {
  let lastReport = 0;
  const report = (progress: { documentsDone: number; documents: number }, force = false) => {
    if (!force && performance.now() - lastReport < PROGRESS_EVERY_MS) return;
    lastReport = performance.now();
    // Progress is for people watching; a report lost to a Redis blip is not worth failing the part.
    job
      .updateProgress({ part: data.part, of: data.of, ...progress })
      .catch((error: unknown) => log.debug('progress.failed', errorFields(error)));
  };
  const running = recheckDocuments({
    documents: data.documents,
    plannedAt: Date.parse(data.plannedAt),
    ports: options.pipeline.ports,
    ...(options.documentLocks === undefined ? {} : { documentLocks: options.documentLocks }),
    ...(options.partConcurrency === undefined ? {} : { concurrency: options.partConcurrency }),
    ...(signal === undefined ? {} : { signal }),
    onProgress: (progress) => report(progress),
    onDocument: () => options.metrics?.recheckDocuments.inc(),
  });
  const outcome = await untilAborted(running, signal);
  report({ documentsDone: data.documents.length, documents: data.documents.length }, true);
  if (outcome.failures.length > 0) {
    for (const failure of outcome.failures)
      log.error('document.recheck_failed', { docId: failure.docId, ...errorFields(failure.error) });
    const [first] = outcome.failures;
    // Retried: the rerun reuses the checks made since the run was planned, and updates what is left.
    throw new Error(
      `${outcome.failures.length} documents could not be updated; first ${first?.docId}: ${errorFields(first?.error).error}`,
    );
  }
  return { documents: outcome.documents, citations: outcome.citations };
}

/** What a job asks for; throws JobDataError (the job then fails at once) for bad data. */
function workOf(job: MaintenanceJob): Work {
  switch (job.name) {
    case JOB.recheck:
      return {
        kind: 'plan',
        run: { kind: 'recheck', schedule: parseRecheckJobData(job.data).schedule },
        runName: 'recheck',
      };
    case JOB.retryFailed:
      parseRetryFailedJobData(job.data);
      return { kind: 'plan', run: { kind: 'retry-failed' }, runName: 'retry-failed' };
    case JOB.recheckTargets:
      return { kind: 'part', data: parseRecheckTargetsJobData(job.data) };
    default:
      throw new Error(
        `job name: expected "${JOB.recheck}", "${JOB.retryFailed}" or "${JOB.recheckTargets}" on the ${QUEUE.maintenance} queue, got ${JSON.stringify(job.name)}`,
      );
  }
}
