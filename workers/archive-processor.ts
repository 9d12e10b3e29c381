import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { Logger, TargetClaims } from '../src/ports.js';
import { FetchError, SidecarError, StorageWriteError, UsageError } from '../src/errors.js';
import { archiveDocument, type OpenPipeline } from '../src/pipeline/index.js';
import { countStatuses } from '../src/record/citation-stats.js';
import type { DocumentRecord } from '../src/model/index.js';
import { loadSource } from '../src/source.js';
import { parseArchiveJobData, type ArchiveJobData } from './job-data.js';
import { errorFields, silentLogger } from './log.js';
import { WORKER_DEFAULTS } from './defaults.js';
import { untilAborted } from './hand-back.js';
import { runJob } from './job-skeleton.js';
import type { WorkerMetrics } from './metrics.js';
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
  const context = { queue: QUEUE.documents, log: options.log ?? silentLogger, metrics: options.metrics };
  const rateLimitDelayMs = options.rateLimitDelayMs ?? WORKER_DEFAULTS.rateLimitDelayMs;
  const maxRateLimitDelays = options.maxRateLimitDelays ?? WORKER_DEFAULTS.maxRateLimitDelays;

  return function processArchiveJob(job: ArchiveJob, token?: string, signal?: AbortSignal): Promise<ArchiveResult> {
    return runJob(job, token, context, {
      jobFields: { attempt: job.attemptsMade + 1 },
      parse: () => {
        if (job.name !== JOB.archive)
          throw new Error(
            `job name: expected "${JOB.archive}" on the ${QUEUE.documents} queue, got ${JSON.stringify(job.name)}`,
          );
        return parseArchiveJobData(job.data);
      },
      invalidFields: (data) => ({ docId: docIdOf(data) }),
      dataFields: (data) => ({ docId: data.docId }),
      startedFields: (data) => ({ source: describeSource(data) }),
      run: (data, log) => untilAborted(archive(data, options, log, signal), signal),
      completedFields: (result) => {
        options.metrics?.recordCitations(result.statuses);
        return { citations: result.citations, statuses: result.statuses };
      },
      ending: async (error, data) => {
        if (error instanceof UsageError) {
          const thrown = new UnrecoverableError(`job data: source.${sourceKind(data)}: ${error.message}`);
          return { outcome: 'invalid', event: 'job.invalid', fields: errorFields(error), thrown };
        }
        const uncountedStarts = job.attemptsStarted - job.attemptsMade;
        if (isRateLimit(error) && uncountedStarts <= maxRateLimitDelays && token !== undefined) {
          const delayMs = Math.round(rateLimitDelayMs * (0.8 + Math.random() * 0.4));
          await job.moveToDelayed(Date.now() + delayMs, token);
          return {
            outcome: 'delayed',
            event: 'job.delayed',
            fields: { delayMs, ...errorFields(error) },
            thrown: new DelayedError(),
          };
        }
        return undefined;
      },
      errorFields: () => ({ willRetry: job.attemptsMade + 1 < (job.opts.attempts ?? 1) }),
    });
  };
}

/** Loads the source and archives it under the document's lock; a failed write names the document in the job's failure. */
async function archive(
  data: ArchiveJobData,
  options: ArchiveProcessorOptions,
  log: Logger,
  signal: AbortSignal | undefined,
): Promise<ArchiveResult> {
  try {
    return await archiveUnderLock(data, options, log, signal);
  } catch (error) {
    throw error instanceof StorageWriteError ? error.forDocument(data.docId) : error;
  }
}

async function archiveUnderLock(
  data: ArchiveJobData,
  options: ArchiveProcessorOptions,
  log: Logger,
  signal: AbortSignal | undefined,
): Promise<ArchiveResult> {
  const source = await loadSource(data.source, {
    fetchArticle: options.pipeline.fetchArticle,
    maxBytes: options.sources.maxSourceBytes,
    confineTo: { root: options.sources.sourceRoot },
    ...(signal === undefined ? {} : { signal }),
  });
  const release = await options.documentLocks?.acquire(`document:${data.docId}`);
  let record: DocumentRecord;
  try {
    record = await archiveDocument(
      { docId: data.docId, source, sidecar: options.sources.sidecars },
      options.pipeline.ports,
    );
  } catch (error) {
    if (!(error instanceof SidecarError)) throw error;
    // The record in the data dir is what the job is for; a retry would meet the same folder.
    log.warn('job.sidecar_not_written', errorFields(error));
    record = error.record;
  } finally {
    await release?.();
  }
  return summarize(record);
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
  if (typeof data !== 'object' || data === null || !('docId' in data)) return undefined;
  const { docId } = data;
  return typeof docId === 'string' && docId.length <= 200 ? docId : undefined;
}
