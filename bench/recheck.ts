// What a recheck run costs (contract section 10), against the fake upstreams:
//
//   npm run bench:recheck
//
// 1. An archive of BENCH_DOCS documents (10,000) citing BENCH_TARGETS posts (2,000),
//    each document 3 distinct posts drawn with a Zipf popularity (s = 1: the most cited
//    post is in about 1 document of 8), every citation checked 8 days ago and still up.
//    The records are written straight to a data dir (the archive itself is what
//    bench/capture measures); the data dir is copied afresh for every run, and the copies
//    removed after the last (see run()).
// 2. The scheduled `recheck` run (widening schedule: everything first checked 8 days ago
//    is due) through the queue, with 1 and then 2 real worker processes, with the
//    default per-host limit (CITESNAP_HOST_CONCURRENCY 4) and with a raised one (64)
//    where the workers' own work, not the host, is the limit. For each: the due
//    targets, the upstream requests made (goal: one a due target), the wall time from
//    the plan to the last part done, and that time against the per-host floor (the
//    busiest host's requests x latency / its limit; goal within 1.25x), and the CPU time
//    the workers spent from the plan to the end (/proc), per document written and per
//    due target: on a shared machine the wall/floor ratio moves with the others' load.
//    Beside it, what the rest of the run spent meanwhile on the same machine: this process
//    (the fake upstreams, TLS included) and Redis (its INFO), to see when the cores are full.
// 3. A table computed from the schedule alone: daily requests for an archive that
//    grows by 1 million citations a year, after 1, 2 and 5 years, widening schedule
//    against a fixed 7 days.
//
// Variables: REDIS_URL, BENCH_DOCS (10000), BENCH_TARGETS (2000), BENCH_LATENCY_MS (50),
// BENCH_HOST_LIMITS (4,64) and BENCH_WORKERS (1,2) to run only some of the runs,
// BENCH_WORKER_OPTIONS the workers' knobs as JSON (`{"recheckPartSize":400,"recheckConcurrency":32}`),
// BENCH_SKIP_RUNS=1 prints the table only, BENCH_WORKER_NODE_ARGS flags for the workers'
// node (`--cpu-prof --cpu-prof-dir=/tmp/profiles` to profile them: what to change is
// judged by the profile and the CPU figures, the wall times move with the machine's load).
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import type { Citation, DocumentRecord } from '../src/model/index.js';
import { openDataDirStore } from '../src/record/data-dir-store.js';
import { earlinessAllowedMs, wideningIntervalMs } from '../src/targets/recheck-schedule.js';
import { FakeUpstream, TEST_CA_PATH } from '../test/support/fake-upstream/index.js';
import { spawnTsx } from '../test/workers/support/processes.js';
import { redisOptionsFromUrl } from '../workers/connection.js';
import { JOB, openMaintenanceQueue, QUEUE } from '../workers/queues.js';
import { ownCpuMs, processCpuMs } from './support/cpu-time.js';

const number = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const DOCS = number('BENCH_DOCS', 10_000);
const TARGETS = number('BENCH_TARGETS', 2_000);
const LATENCY_MS = number('BENCH_LATENCY_MS', 50);
const list = (name: string, fallback: string) => (process.env[name] ?? fallback).split(',').map(Number);
const HOST_LIMITS = list('BENCH_HOST_LIMITS', '4,64');
const WORKER_COUNTS = list('BENCH_WORKERS', '1,2');
const WORKER_NODE_ARGS = (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
const WORKER_OPTIONS = process.env.BENCH_WORKER_OPTIONS ?? '{}';
const CITATIONS_A_DOC = 3;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DAY_MS = 86_400_000;

if (process.env.BENCH_SKIP_RUNS !== '1') await runs();
printYearTable();

async function runs(): Promise<void> {
  const fake = await FakeUpstream.start({ latencyMs: LATENCY_MS });
  const ids = Array.from({ length: TARGETS }, (_, n) => String(1_750_000_000_000_000_000n + BigInt(n)));
  for (const id of ids) fake.addPost({ id, handle: 'bench', name: 'Bench', text: `post ${id}` });

  // The template and every run's copy, removed together after the last run (see run()).
  const work = await mkdtemp(join(tmpdir(), 'bench-recheck-'));
  const template = join(work, 'template');
  const setupStarted = performance.now();
  const citedBy = await writeArchive(template, ids);
  const mostCited = Math.max(...citedBy);
  console.log(
    `archive: ${DOCS} documents x ${CITATIONS_A_DOC} posts of ${TARGETS} (Zipf s=1; most cited by ${mostCited} documents, ${citedBy.filter((count) => count > 0).length} cited), ` +
      `written in ${((performance.now() - setupStarted) / 1000).toFixed(1)} s; upstream latency ${LATENCY_MS} ms\n`,
  );

  const results: RunResult[] = [];
  try {
    for (const hostConcurrency of HOST_LIMITS) {
      for (const workers of WORKER_COUNTS) results.push(await run({ work, template, fake, workers, hostConcurrency }));
    }
  } finally {
    await fake.close();
    await rm(work, { recursive: true, force: true });
  }
  console.log(`load average ${os.loadavg()[0]!.toFixed(1)} at the end`);
  console.log(
    'host limit  workers  due targets  requests  req/target  documents  wall s  floor s  wall/floor  vs 1 worker  CPU s  CPU ms/doc  CPU ms/target  upstream CPU s  Redis CPU s',
  );
  for (const result of results) {
    const one = results.find((other) => other.hostConcurrency === result.hostConcurrency && other.workers === 1);
    console.log(
      `${String(result.hostConcurrency).padStart(10)}${String(result.workers).padStart(9)}${String(result.due).padStart(13)}${String(result.requests).padStart(10)}` +
        `${(result.requests / Math.max(1, result.due)).toFixed(2).padStart(12)}${String(result.documents).padStart(11)}${result.seconds.toFixed(1).padStart(8)}` +
        `${result.floorSeconds.toFixed(1).padStart(9)}${(result.seconds / result.floorSeconds).toFixed(2).padStart(12)}${one === undefined ? '' : (one.seconds / result.seconds).toFixed(2).padStart(13)}` +
        `${(result.cpuMs / 1000).toFixed(1).padStart(7)}${(result.cpuMs / Math.max(1, result.documents)).toFixed(2).padStart(12)}${(result.cpuMs / Math.max(1, result.due)).toFixed(2).padStart(15)}` +
        `${(result.upstreamCpuMs / 1000).toFixed(1).padStart(16)}${(result.redisCpuMs / 1000).toFixed(1).padStart(13)}`,
    );
  }
  console.log(JSON.stringify({ docs: DOCS, targets: TARGETS, latencyMs: LATENCY_MS, results }));
  console.log('');
}

interface RunResult {
  hostConcurrency: number;
  workers: number;
  due: number;
  requests: number;
  documents: number;
  seconds: number;
  floorSeconds: number;
  /** CPU milliseconds of every worker together, from the plan to the last part done. */
  cpuMs: number;
  /** Meanwhile, CPU milliseconds of this process: the fake upstreams (and the bench's waiting). */
  upstreamCpuMs: number;
  /** Meanwhile, CPU milliseconds of Redis (all its clients, other users' included). */
  redisCpuMs: number;
}

/** Writes the archive's records; returns how many documents cite each target. */
async function writeArchive(dataDir: string, ids: readonly string[]): Promise<number[]> {
  const store = openDataDirStore({ dataDir });
  const checkedAt = new Date(Date.now() - 8 * DAY_MS).toISOString();
  const citedBy = ids.map(() => 0);
  const zipf = zipfSampler(ids.length, 1, 20261130);
  const writes: Promise<void>[] = [];
  for (let d = 0; d < DOCS; d++) {
    const picked = new Set<number>();
    while (picked.size < CITATIONS_A_DOC) picked.add(zipf());
    const citations: Citation[] = [...picked].map((index, order) => {
      citedBy[index] = (citedBy[index] ?? 0) + 1;
      const id = ids[index] ?? '';
      const url = `https://x.com/bench/status/${id}`;
      return {
        id: `post:${id}`,
        type: 'post',
        status: 'archived',
        occurrences: [{ form: 'post-url', raw: url, offset: order * 100, context: 'as posted' }],
        post: {
          platform: 'twitter',
          id,
          url,
          handle: 'bench',
          authorName: 'Bench',
          text: `post ${id}`,
          media: [],
          links: [],
        },
        capture: {
          at: checkedAt,
          via: 'syndication',
          warc: { file: 'warc/bench.warc.gz', offset: 0, length: 1 },
          sha256: '0'.repeat(64),
        },
        checks: [{ at: checkedAt, status: 'archived', httpStatus: 200 }],
      };
    });
    const record: DocumentRecord = {
      schemaVersion: 1,
      docId: `doc-${d}`,
      source: { uri: `https://news.example/${d}`, mediaType: 'text/html', sha256: '0'.repeat(64), bytes: 1000 },
      processedAt: checkedAt,
      citations,
    };
    writes.push(store.documents.write(record));
    if (writes.length >= 64) await Promise.all(writes.splice(0));
  }
  await Promise.all(writes);
  await store.close();
  return citedBy;
}

async function run(options: {
  /** The folder each run's copy is made in, removed after the last run. */
  work: string;
  /** The data dir every run starts from. */
  template: string;
  fake: FakeUpstream;
  workers: number;
  hostConcurrency: number;
}): Promise<RunResult> {
  // Not removed until every run is done: on ext4 without a journal (this machine's
  // disk) a file freed slows file creation for minutes after (see bench/capture.ts), so
  // removing one run's copy would slow the next run's writes.
  const dataDir = await mkdtemp(join(options.work, 'run-'));
  await cp(options.template, dataDir, { recursive: true });
  const prefix = `citesnap-bench-recheck-${Date.now()}`;
  const connection = redisOptionsFromUrl(REDIS_URL);
  const queue = openMaintenanceQueue({ connection, prefix });
  const events = new QueueEvents(QUEUE.maintenance, { connection, prefix });
  await events.waitUntilReady();
  const env = {
    REDIS_URL,
    CITESNAP_DATA_DIR: dataDir,
    CITESNAP_CONNECT_TO: options.fake.routes,
    CITESNAP_HOST_CONCURRENCY: String(options.hostConcurrency),
    CITESNAP_QUEUE_PREFIX: prefix,
    NODE_EXTRA_CA_CERTS: TEST_CA_PATH,
  };
  const workers = Array.from({ length: options.workers }, () =>
    spawnTsx(
      'test/workers/support/worker-process.ts',
      [],
      { ...env, TEST_WORKER_OPTIONS: WORKER_OPTIONS },
      WORKER_NODE_ARGS,
    ),
  );
  await Promise.all(workers.map((worker) => worker.event('worker.started')));
  const before = options.fake.stats();
  const workerCpuMs = () => workers.reduce((sum, worker) => sum + processCpuMs(worker.child.pid ?? 0), 0);
  const redis = new Redis(REDIS_URL);
  const redisCpuMs = async () => {
    const info = await redis.info('cpu');
    const seconds = (name: string) => Number(new RegExp(`${name}:([0-9.]+)`).exec(info)?.[1] ?? 0);
    return (seconds('used_cpu_sys') + seconds('used_cpu_user')) * 1000;
  };
  const cpuBefore = workerCpuMs();
  const benchCpuBefore = ownCpuMs();
  const redisCpuBefore = await redisCpuMs();
  const started = performance.now();
  const plan = (await (await queue.add(JOB.recheck, {})).waitUntilFinished(events)) as {
    targets: number;
    parts: string[];
  };
  let documents = 0;
  for (const id of plan.parts) {
    const part = (await (await Job.fromId(queue, id))?.waitUntilFinished(events)) as { documents: number } | undefined;
    documents += part?.documents ?? 0;
  }
  const seconds = (performance.now() - started) / 1000;
  const cpuMs = workerCpuMs() - cpuBefore;
  const benchCpuMs = ownCpuMs() - benchCpuBefore;
  const redisMs = (await redisCpuMs()) - redisCpuBefore;
  redis.disconnect();
  const after = options.fake.stats();
  for (const worker of workers) worker.child.kill('SIGTERM');
  await Promise.all(workers.map((worker) => worker.exited));
  await events.close();
  await queue.obliterate({ force: true });
  await queue.close();

  const busiest = Math.max(
    ...Object.entries(after.hosts).map(([host, traffic]) => traffic.requests - (before.hosts[host]?.requests ?? 0)),
  );
  return {
    hostConcurrency: options.hostConcurrency,
    workers: options.workers,
    due: plan.targets,
    requests: after.requests - before.requests,
    documents,
    seconds,
    floorSeconds: (busiest * LATENCY_MS) / 1000 / options.hostConcurrency,
    cpuMs,
    upstreamCpuMs: benchCpuMs,
    redisCpuMs: redisMs,
  };
}

/** Indexes 0..n-1 with P(k) proportional to 1/(k+1)^s, from a seeded generator (the same archive every run). */
function zipfSampler(n: number, s: number, seed: number): () => number {
  const cumulative: number[] = [];
  let total = 0;
  for (let k = 0; k < n; k++) cumulative.push((total += 1 / (k + 1) ** s));
  let state = seed >>> 0;
  const random = () => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => {
    const target = random() * total;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((cumulative[middle] ?? 0) < target) low = middle + 1;
      else high = middle;
    }
    return low;
  };
}

/**
 * Daily requests from the schedule alone: citations arrive evenly, 1 million a year,
 * each its own target (the worst case: shared targets only lower the figures); a daily
 * run checks what is due that day. Counts the checks falling on the last day of year N.
 */
function printYearTable(): void {
  const perDay = 1_000_000 / 365;
  console.log(
    'daily requests, an archive growing by 1,000,000 citations a year (each its own target), checked by a daily run',
  );
  console.log('after    citations   widening   fixed 7d   widening/fixed');
  for (const years of [1, 2, 5]) {
    const day = years * 365;
    let widening = 0;
    for (let cohort = 0; cohort < day; cohort++) if (checkedOnDay(cohort, day)) widening += perDay;
    const citations = perDay * day;
    const fixed = citations / 7;
    console.log(
      `${`${years} year${years === 1 ? '' : 's'}`.padEnd(7)}${Math.round(citations).toLocaleString('en').padStart(11)}${Math.round(widening).toLocaleString('en').padStart(11)}` +
        `${Math.round(fixed).toLocaleString('en').padStart(11)}${(widening / fixed).toFixed(2).padStart(17)}`,
    );
  }
}

/** True when a citation first checked on day `first` is checked again on day `day` (whole days, one run a day). */
function checkedOnDay(first: number, day: number): boolean {
  let last = first;
  while (last < day) {
    const interval = wideningIntervalMs((last - first) * DAY_MS);
    // The first daily run at or after the time it is due (earliness allowed).
    last = Math.ceil((last * DAY_MS + interval - earlinessAllowedMs(interval)) / DAY_MS);
  }
  return last === day;
}
