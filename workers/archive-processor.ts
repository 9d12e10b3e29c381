import { DelayedError, UnrecoverableError, WaitingError, type Job } from 'bullmq';
import type { TargetClaims } from '../src/capture/target-checker.js';
import { FetchError, UsageError } from '../src/errors.js';
import { archiveDocument, SidecarError, type OpenPipeline } from '../src/pipeline.js';
import { countStatuses } from '../src/record/citation-stats.js';
import type { DocumentRecord } from '../src/record/types.js';
import { loadSource } from '../src/source.js';
import { parseArchiveJobData, type ArchiveJobData } from './job-data.js';
import { errorFields, silentLogger, type Logger } from './log.js';
import type { JobOutcome, WorkerMetrics } from './metrics.js';
import { JOB, QUEUE } from './queues.js';

/** What a processor needs of the pipeline: its ports and its article fetcher (openPipeline's result, or a test's). */
export type PipelineHandle = Pick<OpenPipeline, 'ports' | 'fetchArticle'>;

export interface ArchiveProcessorOptions {
  pipeline: PipelineHandle;
  /**
   * Serialises work on one document record across workers (an archive job and a
   * maintenance job rewriting it at once would lose one's checks). Without it,
   * only deduplication keeps two archive jobs of one document apart.
   */
  documentLocks?: TargetClaims;
  /**
   * What a job may read and write besides the data dir: `sourceRoot` (CITESNAP_SOURCE_ROOT),
   * the only folder whose files `{ path }` jobs may name (none when undefined);
   * `maxSourceBytes` (CITESNAP_MAX_SOURCE_BYTES), the largest source read; `sidecars`
   * (CITESNAP_QUEUE_SIDECARS), whether a `{ path }` job writes `<name>.citations.json`
   * beside its file.
   */
  sources: { sourceRoot: string | undefined; maxSourceBytes: number; sidecars: boolean };
  /** How long a job waits after the article's host answered 429 or 503. Default 60000 ms (±20 %). */
  rateLimitDelayMs?: number;
  /** Rate-limit delays (and other uncounted starts) before a job counts the next one as a failed attempt. Default 10. */
  maxRateLimitDelays?: number;
  log?: Logger;
  metrics?: WorkerMetrics;
}

/** A job's return value, kept in Redis with the job: short, the record is on disk. */
export interface ArchiveResult {
  docId: string;
  citations: number;
  /** Citations by status. */
  statuses: Record<string, number>;
}

export type ArchiveJob = Job<unknown, ArchiveResult>;

/**
 * The `documents` queue's processor: validates the public job data, loads the
 * source, runs archiveDocument, and tells BullMQ what to do next by what it throws:
 *
 * - bad job data or a bad source (no such file, a URL that leads nowhere):
 *   `UnrecoverableError`, failed at once with the field in the reason, no retry;
 * - the article's host answered 429 or 503: the job moves to delayed for
 *   `rateLimitDelayMs` (`DelayedError`), without spending an attempt;
 * - shutdown (the signal aborts): the job moves back to waiting (`WaitingError`)
 *   for another worker; the work done so far is kept in the index and reused;
 * - the record is in the data dir but its sidecar could not be written beside a
 *   `{ path }` source (a read-only shared folder): a warning, and the job completes;
 * - anything else: a plain throw, retried with backoff while attempts remain.
 *
 * Running a job twice, or again after it was killed half-way, writes the same
 * record: archiveDocument reuses every check made within the refresh window.
 */
export function createArchiveProcessor(options: ArchiveProcessorOptions) {
  const log = options.log ?? silentLogger;
  const rateLimitDelayMs = options.rateLimitDelayMs ?? 60_000;
  const maxRateLimitDelays = options.maxRateLimitDelays ?? 10;

  return async function processArchiveJob(job: ArchiveJob, token?: string, signal?: AbortSignal): Promise<ArchiveResult> {
    const started = performance.now();
    const jobLog = log.child({ queue: QUEUE.documents, jobId: job.id, attempt: job.attemptsMade + 1 });
    const finish = (outcome: JobOutcome) => options.metrics?.jobRun(QUEUE.documents, job.name, outcome, (performance.now() - started) / 1000);

    let data: ArchiveJobData;
    try {
      if (job.name !== JOB.archive) throw new Error(`job name: expected "${JOB.archive}" on the ${QUEUE.documents} queue, got ${JSON.stringify(job.name)}`);
      data = parseArchiveJobData(job.data);
    } catch (error) {
      finish('invalid');
      jobLog.warn('job.invalid', { docId: docIdOf(job.data), ...errorFields(error) });
      throw new UnrecoverableError((error as Error).message);
    }
    const docLog = jobLog.child({ docId: data.docId });
    docLog.info('job.started', { source: describeSource(data) });

    const work = (async (): Promise<ArchiveResult> => {
      const source = await loadSource(data.source, {
        fetchArticle: options.pipeline.fetchArticle,
        maxBytes: options.sources.maxSourceBytes,
        confineTo: { root: options.sources.sourceRoot },
        ...(signal === undefined ? {} : { signal }),
      });
      const release = await options.documentLocks?.acquire(`document:${data.docId}`);
      let record: DocumentRecord;
      try {
        record = await archiveDocument({ docId: data.docId, source, sidecar: options.sources.sidecars }, options.pipeline.ports);
      } catch (error) {
        if (!(error instanceof SidecarError)) throw error;
        // The record in the data dir is what the job is for; a retry would meet the same folder.
        docLog.warn('job.sidecar_not_written', errorFields(error));
        record = error.record;
      } finally {
        await release?.();
      }
      return summarize(record);
    })();

    try {
      const result = await (signal === undefined ? work : untilAborted(work, signal));
      finish('completed');
      options.metrics?.recordCitations(result.statuses);
      docLog.info('job.completed', { durationMs: Math.round(performance.now() - started), citations: result.citations, statuses: result.statuses });
      return result;
    } catch (error) {
      if (error instanceof HandBack) {
        await job.moveToWait(token);
        finish('handed_back');
        docLog.info('job.handed_back', { reason: error.message });
        throw new WaitingError();
      }
      if (error instanceof UsageError) {
        finish('invalid');
        docLog.warn('job.invalid', errorFields(error));
        throw new UnrecoverableError(`job data: source.${sourceKind(data)}: ${error.message}`);
      }
      const uncountedStarts = job.attemptsStarted - job.attemptsMade;
      if (isRateLimit(error) && uncountedStarts <= maxRateLimitDelays && token !== undefined) {
        const delayMs = Math.round(rateLimitDelayMs * (0.8 + Math.random() * 0.4));
        await job.moveToDelayed(Date.now() + delayMs, token);
        finish('delayed');
        docLog.warn('job.delayed', { delayMs, ...errorFields(error) });
        throw new DelayedError();
      }
      finish('error');
      docLog.error('job.error', { willRetry: job.attemptsMade + 1 < (job.opts.attempts ?? 1), ...errorFields(error) });
      throw error;
    }
  };
}

function summarize(record: DocumentRecord): ArchiveResult {
  return { docId: record.docId, citations: record.citations.length, statuses: countStatuses(record.citations) };
}

/** 429 or 503 from the article's host, after the HTTP client's own retries. */
function isRateLimit(error: unknown): boolean {
  if (!(error instanceof FetchError)) return false;
  return error.code === 'RATE_LIMITED' || error.httpStatus === 429 || error.httpStatus === 503;
}

function sourceKind(data: ArchiveJobData): string {
  return Object.keys(data.source).find((key) => key !== 'uri') ?? 'source';
}

function describeSource(data: ArchiveJobData): string {
  const source = data.source;
  if ('url' in source) return source.url;
  if ('path' in source) return source.path;
  const kind = 'html' in source ? 'html' : 'text';
  const length = 'html' in source ? source.html.length : source.text.length;
  return `${source.uri ?? `inline ${kind}`} (${length} characters)`;
}

/** The docId of job data that failed validation, when it has a usable one, for the log line. */
function docIdOf(data: unknown): string | undefined {
  const docId = (data as { docId?: unknown } | null)?.docId;
  return typeof docId === 'string' && docId.length <= 200 ? docId : undefined;
}

/** Shutdown asked for the job back before it finished. */
export class HandBack extends Error {}

/**
 * Settles with `work`, or rejects with HandBack as soon as `signal` aborts. The
 * work goes on in the background (its result is then dropped): the process is
 * about to exit, and whatever it wrote is what a rerun would write.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  work.catch(() => undefined);
  if (signal.aborted) return Promise.reject(new HandBack(reasonOf(signal)));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new HandBack(reasonOf(signal)));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function reasonOf(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : 'shutting down';
}
