import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job, QueueEvents, Worker, type Queue } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_SOURCE_BYTES, loadConfig } from '../../src/config.js';
import { FetchError } from '../../src/errors.js';
import { openPipeline, type OpenPipeline } from '../../src/pipeline/index.js';
import type { DocumentRecord } from '../../src/model/index.js';
import { createArchiveProcessor, type ArchiveResult } from '../../workers/archive-processor.js';
import { redisOptionsFromUrl } from '../../workers/connection.js';
import { WorkerMetrics } from '../../workers/metrics.js';
import { archiveJobOptions, JOB, openDocumentsQueue, QUEUE } from '../../workers/queues.js';
import { captureLogger } from './support/capture-log.js';
import { adminRedis, deleteKeys, testRedisUrl, uniquePrefix } from './support/redis.js';

// The processor's answers to BullMQ, each through a real Worker: what it throws
// decides whether a job fails, waits, retries or goes back to the queue.

describe('the archive processor', () => {
  let prefix: string;
  let dataDir: string;
  let pipeline: OpenPipeline;
  let queue: Queue;
  let events: QueueEvents;
  let worker: Worker<unknown, ArchiveResult> | undefined;
  const connection = () => redisOptionsFromUrl(testRedisUrl());

  beforeEach(async () => {
    prefix = uniquePrefix();
    dataDir = await mkdtemp(join(tmpdir(), 'citesnap-processor-'));
    pipeline = openPipeline(
      loadConfig({ CITESNAP_DATA_DIR: dataDir, CITESNAP_CONNECT_TO: ':80:127.0.0.1:9,:443:127.0.0.1:9' }),
    );
    queue = openDocumentsQueue({ connection: connection(), prefix });
    events = new QueueEvents(QUEUE.documents, { connection: connection(), prefix });
    await events.waitUntilReady();
  });

  afterEach(async () => {
    await worker?.close(true);
    worker = undefined;
    await events.close();
    await queue.obliterate({ force: true });
    await queue.close();
    await pipeline.close();
    const admin = adminRedis();
    await deleteKeys(admin, prefix);
    await admin.quit();
    await rm(dataDir, { recursive: true, force: true });
  });

  function startWorker(
    fetchArticle: OpenPipeline['fetchArticle'],
    metrics = new WorkerMetrics({ defaultMetrics: false }),
  ) {
    const capture = captureLogger();
    // Path jobs may read the temporary folders, and write sidecars there, as CITESNAP_SOURCE_ROOT=/tmp CITESNAP_QUEUE_SIDECARS=1 allow.
    const sources = { sourceRoot: tmpdir(), maxSourceBytes: DEFAULT_MAX_SOURCE_BYTES, sidecars: true };
    const processor = createArchiveProcessor({
      pipeline: { ports: pipeline.ports, fetchArticle },
      sources,
      rateLimitDelayMs: 200,
      log: capture.log,
      metrics,
    });
    worker = new Worker<unknown, ArchiveResult>(QUEUE.documents, processor, {
      connection: { ...connection(), maxRetriesPerRequest: null },
      prefix,
      concurrency: 2,
    });
    return { capture, metrics, worker };
  }

  const article = (url: string) =>
    Promise.resolve({
      finalUrl: url,
      contentType: 'text/html',
      body: Buffer.from('<title>t</title><p>nothing cited</p>'),
    });

  it('moves a job whose article host rate-limits it to delayed, without spending an attempt', async () => {
    let calls = 0;
    const { metrics } = startWorker((url) =>
      ++calls === 1
        ? Promise.reject(new FetchError('RATE_LIMITED', `${url} answered HTTP 429 after retries`))
        : article(url),
    );
    const delayed = new Promise<{ jobId: string; delay: number }>((resolve) => events.once('delayed', resolve));
    const job = await queue.add(
      JOB.archive,
      { docId: 'limited', source: { url: 'https://news.test/a' } },
      archiveJobOptions('limited'),
    );
    const { jobId, delay } = await delayed;
    expect(jobId).toBe(job.id);
    expect(delay - Date.now()).toBeLessThan(300);
    await expect(job.waitUntilFinished(events)).resolves.toEqual({ docId: 'limited', citations: 0, statuses: {} });
    expect((await Job.fromId(queue, job.id!))?.attemptsMade).toBe(1);
    expect(calls).toBe(2);
    expect(await metrics.registry.getSingleMetricAsString('citesnap_jobs_total')).toContain('outcome="delayed"} 1');
  });

  it('lets any other error retry with backoff', async () => {
    let calls = 0;
    const { worker: running } = startWorker((url) =>
      ++calls === 1 ? Promise.reject(new Error('the disk is full')) : article(url),
    );
    const failedOnce = new Promise<Error>((resolve) => running.once('failed', (_job, error) => resolve(error)));
    const retrying = new Promise<{ jobId: string }>((resolve) => events.once('delayed', resolve));
    const job = await queue.add(
      JOB.archive,
      { docId: 'retried', source: { url: 'https://news.test/b' } },
      { ...archiveJobOptions('retried'), backoff: { type: 'fixed', delay: 50 } },
    );
    expect((await failedOnce).message).toBe('the disk is full');
    expect((await retrying).jobId).toBe(job.id);
    await job.waitUntilFinished(events);
    expect((await Job.fromId(queue, job.id!))?.attemptsMade).toBe(2);
  });

  it('fails a job of another name at once', async () => {
    startWorker(article);
    const job = await queue.add('archive-now', { docId: 'x', source: { text: '' } }, { attempts: 3 });
    await expect(job.waitUntilFinished(events)).rejects.toThrow(
      'job name: expected "archive" on the documents queue, got "archive-now"',
    );
    expect((await Job.fromId(queue, job.id!))?.attemptsMade).toBe(1);
  });

  it('hands a job back to the queue when cancelled (shutdown), with no attempt spent', async () => {
    let started: () => void = () => undefined;
    const fetching = new Promise<void>((resolve) => (started = resolve));
    const { capture, worker: running } = startWorker(() => {
      started();
      return new Promise(() => undefined);
    });
    const job = await queue.add(
      JOB.archive,
      { docId: 'cancelled', source: { url: 'https://news.test/c' } },
      archiveJobOptions('cancelled'),
    );
    await fetching;
    // As runWorker's shutdown does: stop taking jobs, then cancel the active ones.
    const closing = running.close();
    expect(running.cancelJob(job.id!, 'shutting down')).toBe(true);
    await capture.event('job.handed_back', (line) => line.jobId === job.id);
    await closing;
    const stored = await Job.fromId(queue, job.id!);
    expect(await stored?.getState()).toBe('waiting');
    expect(stored?.attemptsMade).toBe(0);
  });

  it('completes a { path } job whose sidecar cannot be written beside its source, with a warning', async () => {
    const { capture } = startWorker(article);
    const folder = await mkdtemp(join(tmpdir(), 'citesnap-shared-mount-'));
    try {
      const source = join(folder, 'story.html');
      await writeFile(source, '<title>Story</title><p>See https://twitter.com/alice/status/1720000000000000001</p>');
      // As a read-only folder would (root writes through chmod): a directory where the sidecar goes fails its rename.
      await mkdir(join(folder, 'story.citations.json'));
      const job = await queue.add(
        JOB.archive,
        { docId: 'read-only-folder', source: { path: source } },
        archiveJobOptions('read-only-folder'),
      );
      const result = (await job.waitUntilFinished(events)) as unknown;
      // The summary is the record's, which is in the data dir.
      const record = JSON.parse(
        await readFile(join(dataDir, 'documents', 'read-only-folder.json'), 'utf8'),
      ) as DocumentRecord;
      expect(record.citations).toHaveLength(1);
      expect(result).toEqual({
        docId: 'read-only-folder',
        citations: 1,
        statuses: { [record.citations[0]!.status]: 1 },
      });
      const stored = await Job.fromId(queue, job.id!);
      expect(await stored?.getState()).toBe('completed');
      expect(stored?.attemptsMade).toBe(1);
      const warning = await capture.event('job.sidecar_not_written');
      expect(warning).toMatchObject({ level: 'warn', jobId: job.id, docId: 'read-only-folder', code: 'SIDECAR_WRITE' });
      expect(warning.error).toContain('story.citations.json');
      expect(capture.lines.filter((line) => line.event === 'job.error')).toEqual([]);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
