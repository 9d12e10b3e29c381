import { execFileSync } from 'node:child_process';
import { access, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job, QueueEvents, type Queue } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { DocumentRecord } from '../../src/model/index.js';
import { redisOptionsFromUrl } from '../../workers/connection.js';
import { archiveJobOptions, JOB, openDocumentsQueue, QUEUE } from '../../workers/queues.js';
import { runWorker, type RunningWorker } from '../../workers/worker.js';
import { captureLogger } from '../workers/support/capture-log.js';
import { spawnQueueCli, type TestProcess } from '../workers/support/processes.js';
import { adminRedis, deleteKeys, testRedisUrl, uniquePrefix } from '../workers/support/redis.js';

// The queue is a trust boundary (contract sections 4 and 9): whoever can add a job
// must not be able to read the worker's files, learn which exist, fill its memory,
// hang it, or write beside its files.

const ARTICLE = '<html><head><title>Shared</title></head><body><p>nothing cited</p></body></html>';

describe('what a job producer can make a worker read', () => {
  let work: string;
  let root: string;
  let dataDir: string;
  let prefix: string;
  let queue: Queue;
  let events: QueueEvents;
  let worker: RunningWorker | undefined;
  const processes: TestProcess[] = [];
  const connection = () => redisOptionsFromUrl(testRedisUrl());

  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), 'citesnap-queue-sources-'));
    root = join(work, 'articles');
    dataDir = join(work, 'data');
    await mkdir(root);
    prefix = uniquePrefix();
    queue = openDocumentsQueue({ connection: connection(), prefix });
    events = new QueueEvents(QUEUE.documents, { connection: connection(), prefix });
    await events.waitUntilReady();
  });

  afterEach(async () => {
    await worker?.close({ handBack: true });
    worker = undefined;
    for (const child of processes.splice(0)) {
      if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill('SIGKILL');
      await child.exited;
    }
    await events.close();
    await queue.obliterate({ force: true });
    await queue.close();
    const admin = adminRedis();
    await deleteKeys(admin, prefix);
    await admin.quit();
    await rm(work, { recursive: true, force: true });
  });

  const env = (extra: Record<string, string> = {}): Record<string, string> => ({
    CITESNAP_DATA_DIR: dataDir,
    REDIS_URL: testRedisUrl(),
    CITESNAP_QUEUE_PREFIX: prefix,
    // Nothing here is fetched; a stray request must not leave the machine.
    CITESNAP_CONNECT_TO: ':80:127.0.0.1:9,:443:127.0.0.1:9',
    ...extra,
  });
  const start = async (extra: Record<string, string> = {}) => {
    worker = await runWorker({
      config: loadConfig(env(extra)),
      concurrency: 2,
      handleSignals: false,
      log: captureLogger().log,
    });
    return worker;
  };
  /** Adds a job as another system would (attempts to spare) and resolves with its failure reason and attempts. */
  const failureOf = async (docId: string, source: Record<string, string>) => {
    const job = await queue.add(JOB.archive, { docId, source }, { attempts: 5, backoff: 1 });
    await expect(job.waitUntilFinished(events)).rejects.toThrow();
    const stored = await Job.fromId(queue, job.id!);
    return { reason: stored?.failedReason, attempts: stored?.attemptsMade, state: await stored?.getState() };
  };
  const exists = (path: string) =>
    access(path).then(
      () => true,
      () => false,
    );

  it('refuses every { path } job when no CITESNAP_SOURCE_ROOT is set, at once and unretried', async () => {
    await writeFile(join(root, 'story.html'), ARTICLE);
    await start();
    expect(await failureOf('no-root', { path: join(root, 'story.html') })).toEqual({
      reason: `job data: source.path: ${join(root, 'story.html')}: path jobs are refused: this worker has no CITESNAP_SOURCE_ROOT (send the article inline as { html } or { text })`,
      attempts: 1,
      state: 'failed',
    });
    expect(await exists(join(dataDir, 'documents', 'no-root.json'))).toBe(false);
  });

  it('under a root, refuses anything but a regular file inside it with one reason that tells nothing of what exists', async () => {
    const outside = join(work, 'private.txt');
    await writeFile(outside, 'a private file of the worker');
    await mkdir(join(root, 'folder'));
    await symlink(outside, join(root, 'link-out.txt'));
    await symlink(work, join(root, 'folder-out'));
    execFileSync('mkfifo', [join(root, 'pipe.txt')]);
    await start({ CITESNAP_SOURCE_ROOT: root });

    const refused = [
      outside, // exists, outside the root
      '/etc/passwd', // exists, outside
      join(work, 'missing.txt'), // does not exist, outside
      join(root, 'missing.txt'), // does not exist, inside
      join(root, 'folder'), // a directory inside
      join(root, 'link-out.txt'), // a symlink inside, to a file outside
      join(root, 'folder-out', 'private.txt'), // through a symlinked folder to outside
      join(root, '..', 'private.txt'), // dot-dot out of the root
      join(root, 'pipe.txt'), // a FIFO inside: refused, not waited on
      '/dev/zero', // a device
    ];
    const failures = await Promise.all(refused.map((path, index) => failureOf(`refused-${index}`, { path })));
    expect(failures).toEqual(
      refused.map((path) => ({
        reason: `job data: source.path: ${path}: not a readable regular file under CITESNAP_SOURCE_ROOT`,
        attempts: 1,
        state: 'failed',
      })),
    );
    // Nothing was written beside the files named, nor recorded.
    expect(await exists(join(work, 'private.citations.json'))).toBe(false);
    expect(await exists(join(dataDir, 'documents'))).toBe(false);
  });

  it('reads a regular file under the root (through a symlink inside it too), writing no sidecar unless CITESNAP_QUEUE_SIDECARS=1', async () => {
    await writeFile(join(root, 'story.html'), ARTICLE);
    await symlink(join(root, 'story.html'), join(root, 'alias.html'));
    await start({ CITESNAP_SOURCE_ROOT: root });
    for (const name of ['story', 'alias']) {
      const job = await queue.add(
        JOB.archive,
        { docId: name, source: { path: join(root, `${name}.html`) } },
        archiveJobOptions(name),
      );
      await expect(job.waitUntilFinished(events)).resolves.toEqual({ docId: name, citations: 0, statuses: {} });
      const record = JSON.parse(await readFile(join(dataDir, 'documents', `${name}.json`), 'utf8')) as DocumentRecord;
      expect(record.source.title).toBe('Shared');
    }
    expect(await exists(join(root, 'story.citations.json'))).toBe(false);
    expect(await exists(join(root, 'alias.citations.json'))).toBe(false);

    await worker?.close();
    await start({ CITESNAP_SOURCE_ROOT: root, CITESNAP_QUEUE_SIDECARS: '1' });
    const job = await queue.add(
      JOB.archive,
      { docId: 'with-sidecar', source: { path: join(root, 'story.html') } },
      archiveJobOptions('with-sidecar'),
    );
    await job.waitUntilFinished(events);
    expect(JSON.parse(await readFile(join(root, 'story.citations.json'), 'utf8'))).toMatchObject({
      docId: 'with-sidecar',
    });
  });

  it('fails a source past CITESNAP_MAX_SOURCE_BYTES at once, naming the source and the cap: a file under the root or inline text', async () => {
    await writeFile(join(root, 'long.txt'), 'a long article '.repeat(100));
    await start({ CITESNAP_SOURCE_ROOT: root, CITESNAP_MAX_SOURCE_BYTES: '1000' });
    expect(await failureOf('long-file', { path: join(root, 'long.txt') })).toEqual({
      reason: `job data: source.path: ${join(root, 'long.txt')}: larger than the 1000-byte limit on an article (CITESNAP_MAX_SOURCE_BYTES), not read further`,
      attempts: 1,
      state: 'failed',
    });
    expect(await failureOf('long-text', { text: 'x'.repeat(1001), uri: 'https://cms.example/long' })).toEqual({
      reason:
        'job data: source.text: https://cms.example/long (inline text): larger than the 1000-byte limit on an article (CITESNAP_MAX_SOURCE_BYTES), not read further',
      attempts: 1,
      state: 'failed',
    });
  });

  it('a job naming a FIFO fails at once, and SIGTERM then stops the worker (citesnap worker, exit 0)', async () => {
    execFileSync('mkfifo', [join(root, 'article.html')]);
    const child = spawnQueueCli(['worker'], { ...env({ CITESNAP_SOURCE_ROOT: root, CITESNAP_SHUTDOWN_GRACE: '1s' }) });
    processes.push(child);
    await child.event('worker.started');
    expect(await failureOf('fifo', { path: join(root, 'article.html') })).toMatchObject({
      attempts: 1,
      state: 'failed',
    });
    child.child.kill('SIGTERM');
    await child.event('worker.closed');
    expect(await child.exited).toBe(0);
  });
});
