// The queue's overhead and scale-out (issue 4), against the fake upstreams:
//
//   NODE_EXTRA_CA_CERTS=test/support/tls/ca.pem node --import tsx bench/queue.ts
//
// Runs one corpus (BENCH_DOCS documents of BENCH_CITATIONS post citations each, every
// post distinct, so nothing is reused) three ways, each in a fresh data dir and under a
// fresh prefix: in process (archiveDocument, BENCH_CONCURRENCY documents at once), then
// through the queue with 1 and with 2 worker processes (BENCH_CONCURRENCY each). Prints
// documents/s, the ratio to in-process, Redis commands per document (INFO
// commandstats, which counts the commands inside Lua scripts too) and the Redis memory
// the run left, with the finished jobs the retention of workers/queues.ts kept (run
// with BENCH_DOCS=10000 for the memory of 10,000 finished jobs), then one JSON line.
//
// CITESNAP_HOST_CONCURRENCY is raised (BENCH_HOST_CONCURRENCY, default 64) so that the
// upstream's latency, not the per-host limit, bounds the run: every post is on the
// same syndication host.
//
// Variables: REDIS_URL, BENCH_DOCS (1000), BENCH_CITATIONS (5), BENCH_LATENCY_MS (50),
// BENCH_CONCURRENCY (4), BENCH_HOST_CONCURRENCY (64).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/config.js';
import { archiveDocument, openPipeline } from '../src/pipeline/index.js';
import { loadSource } from '../src/source.js';
import { FakeUpstream, TEST_CA_PATH } from '../test/support/fake-upstream/index.js';
import { spawnTsx } from '../test/workers/support/processes.js';
import { redisOptionsFromUrl } from '../workers/connection.js';
import { archiveJobOptions, JOB, openDocumentsQueue, QUEUE } from '../workers/queues.js';

const number = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const DOCS = number('BENCH_DOCS', 1000);
const CITATIONS = number('BENCH_CITATIONS', 5);
const LATENCY_MS = number('BENCH_LATENCY_MS', 50);
const CONCURRENCY = number('BENCH_CONCURRENCY', 4);
const HOST_CONCURRENCY = number('BENCH_HOST_CONCURRENCY', 64);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Run {
  name: string;
  seconds: number;
  docsPerSecond: number;
  redisCommandsPerDoc?: number;
  /** Redis memory grown by the run, with the finished jobs that retention kept. */
  redisBytesAfter?: number;
  jobsKept?: number;
}

const fake = await FakeUpstream.start({ latencyMs: LATENCY_MS });
const corpus = Array.from({ length: DOCS }, (_, doc) => {
  const ids = Array.from({ length: CITATIONS }, (_, citation) =>
    String(1_700_000_000_000_000_000n + BigInt(doc * CITATIONS + citation)),
  );
  for (const id of ids) fake.addPost({ id, handle: 'bench', name: 'Bench', text: `post ${id}` });
  return {
    docId: `bench-${doc}`,
    html: ids.map((id) => `<p><a href="https://twitter.com/bench/status/${id}">post</a></p>`).join('\n'),
  };
});
const env = (dataDir: string) => ({
  REDIS_URL,
  CITESNAP_DATA_DIR: dataDir,
  CITESNAP_CONNECT_TO: fake.routes,
  CITESNAP_HOST_CONCURRENCY: String(HOST_CONCURRENCY),
  NODE_EXTRA_CA_CERTS: TEST_CA_PATH,
});

const admin = new Redis(REDIS_URL);
const runs: Run[] = [];
try {
  runs.push(await inProcess());
  runs.push(await throughQueue(1));
  runs.push(await throughQueue(2));
} finally {
  admin.disconnect();
  await fake.close();
}

const base = runs[0]?.docsPerSecond ?? 1;
console.log(
  `${DOCS} documents × ${CITATIONS} citations, upstream latency ${LATENCY_MS} ms, concurrency ${CONCURRENCY} a process\n`,
);
console.log('run                 s      docs/s  vs in-process  redis cmds/doc  redis bytes after  jobs kept');
for (const run of runs) {
  console.log(
    `${run.name.padEnd(18)}${run.seconds.toFixed(1).padStart(6)}${run.docsPerSecond.toFixed(1).padStart(12)}${(run.docsPerSecond / base).toFixed(2).padStart(15)}` +
      `${(run.redisCommandsPerDoc?.toFixed(1) ?? '-').padStart(16)}${(run.redisBytesAfter?.toFixed(0) ?? '-').padStart(19)}${String(run.jobsKept ?? '-').padStart(11)}`,
  );
}
console.log(
  JSON.stringify({ docs: DOCS, citations: CITATIONS, latencyMs: LATENCY_MS, concurrency: CONCURRENCY, runs }),
);

async function inProcess(): Promise<Run> {
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-queue-'));
  const pipeline = openPipeline(loadConfig(env(dataDir)));
  const started = performance.now();
  await forEachLimited(corpus, CONCURRENCY, async (doc) => {
    await archiveDocument({ docId: doc.docId, source: await loadSource({ html: doc.html }) }, pipeline.ports);
  });
  const seconds = (performance.now() - started) / 1000;
  await pipeline.close();
  await rm(dataDir, { recursive: true, force: true });
  return { name: 'in process', seconds, docsPerSecond: DOCS / seconds };
}

async function throughQueue(processes: number): Promise<Run> {
  const prefix = `citesnap-bench-${Date.now()}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-queue-'));
  const connection = redisOptionsFromUrl(REDIS_URL);
  const queue = openDocumentsQueue({ connection, prefix });
  const events = new QueueEvents(QUEUE.documents, { connection, prefix });
  await events.waitUntilReady();
  const workers = Array.from({ length: processes }, () =>
    spawnTsx('test/workers/support/worker-process.ts', [], {
      ...env(dataDir),
      CITESNAP_QUEUE_PREFIX: prefix,
      TEST_WORKER_OPTIONS: JSON.stringify({ concurrency: CONCURRENCY }),
    }),
  );
  await Promise.all(workers.map((worker) => worker.event('worker.started')));

  await admin.call('MEMORY', 'PURGE').catch(() => undefined);
  const memoryBefore = await usedMemory();
  const commandsBefore = await commandCalls();
  let finished = 0;
  const allDone = new Promise<void>((resolve) => {
    const count = () => {
      finished += 1;
      if (finished === DOCS) resolve();
    };
    events.on('completed', count);
    events.on('failed', count);
  });
  const started = performance.now();
  for (let index = 0; index < corpus.length; index += 500) {
    await queue.addBulk(
      corpus.slice(index, index + 500).map((doc) => ({
        name: JOB.archive,
        data: { docId: doc.docId, source: { html: doc.html } },
        opts: archiveJobOptions(doc.docId),
      })),
    );
  }
  await allDone;
  const seconds = (performance.now() - started) / 1000;
  const commands = (await commandCalls()) - commandsBefore;
  const memory = (await usedMemory()) - memoryBefore;
  const jobsKept = (await queue.getCompletedCount()) + (await queue.getFailedCount());

  for (const worker of workers) worker.child.kill('SIGTERM');
  await Promise.all(workers.map((worker) => worker.exited));
  await events.close();
  await queue.obliterate({ force: true });
  await queue.close();
  await rm(dataDir, { recursive: true, force: true });
  return {
    name: `queue, ${processes} process${processes === 1 ? '' : 'es'}`,
    seconds,
    docsPerSecond: DOCS / seconds,
    // Includes the commands of QueueEvents and of this script's adds.
    redisCommandsPerDoc: commands / DOCS,
    redisBytesAfter: memory,
    jobsKept,
  };
}

/** Runs `work` over `items`, `limit` at a time. */
async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await work(item);
      }
    }),
  );
}

async function commandCalls(): Promise<number> {
  const info = await admin.info('commandstats');
  return [...info.matchAll(/calls=(\d+)/g)].reduce((sum, match) => sum + Number(match[1]), 0);
}

async function usedMemory(): Promise<number> {
  const info = await admin.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
}
