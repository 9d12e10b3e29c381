import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueEvents, type Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { redisOptionsFromUrl } from '../../workers/connection.js';
import { WORKER_DEFAULTS } from '../../workers/defaults.js';
import { archiveJobOptions, JOB, openDocumentsQueue, QUEUE } from '../../workers/queues.js';
import { ArticleServer } from '../workers/support/article-server.js';
import { spawnTsx, type TestProcess } from '../workers/support/processes.js';
import { adminRedis, deleteKeys, testRedisUrl, uniquePrefix } from '../workers/support/redis.js';

// The host gate's places across real worker processes on a real Redis (issue 8, item 5):
// a worker killed outright holds its places only for a short lease, and leases renewed
// across a request far longer than a lease never let more than CITESNAP_HOST_CONCURRENCY in.

const WORKER_SCRIPT = 'test/workers/support/worker-process.ts';
const HOST = 'site.news.test';

describe('the host gate across worker processes', () => {
  let site: ArticleServer;
  let prefix: string;
  let dataDir: string;
  let queue: Queue;
  let events: QueueEvents;
  const processes: TestProcess[] = [];
  const connection = () => redisOptionsFromUrl(testRedisUrl());

  beforeAll(async () => {
    site = await ArticleServer.start();
  });

  afterAll(async () => {
    await site.close();
  });

  beforeEach(async () => {
    prefix = uniquePrefix();
    dataDir = await mkdtemp(join(tmpdir(), 'citesnap-gate-leases-'));
    queue = openDocumentsQueue({ connection: connection(), prefix });
    events = new QueueEvents(QUEUE.documents, { connection: connection(), prefix });
    await events.waitUntilReady();
    site.holding = false;
    site.answerAfterMs = 0;
    site.maxInFlight = site.inFlight;
  });

  afterEach(async () => {
    for (const child of processes.splice(0)) {
      if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill('SIGKILL');
      await child.exited;
    }
    site.releaseAll();
    await events.close();
    await queue.obliterate({ force: true });
    await queue.close();
    const admin = adminRedis();
    await deleteKeys(admin, prefix);
    await admin.quit();
    await rm(dataDir, { recursive: true, force: true });
  });

  const startWorker = async (hostConcurrency: number, knobs: Record<string, number> = {}) => {
    const child = spawnTsx(WORKER_SCRIPT, [], {
      REDIS_URL: testRedisUrl(),
      CITESNAP_QUEUE_PREFIX: prefix,
      CITESNAP_DATA_DIR: dataDir,
      CITESNAP_CONNECT_TO: site.route(HOST),
      CITESNAP_HOST_CONCURRENCY: String(hostConcurrency),
      TEST_WORKER_OPTIONS: JSON.stringify(knobs),
    });
    processes.push(child);
    await child.event('worker.started');
    return child;
  };

  const addArticleJob = (docId: string) =>
    queue.add(JOB.archive, { docId, source: { url: `http://${HOST}/${docId}` } }, archiveJobOptions(docId));

  /** ms until each lease of the host runs out, on Redis's clock. */
  const leaseTimesLeft = async (): Promise<number[]> => {
    const admin = adminRedis();
    try {
      const [seconds, micros] = await admin.time();
      const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
      const leases = await admin.zrange(`${prefix}:host-gate:{${HOST}}:leases`, 0, -1, 'WITHSCORES');
      return leases.filter((_, index) => index % 2 === 1).map((score) => Number(score) - now);
    } finally {
      await admin.quit();
    }
  };

  it("gives a SIGKILLed worker's place to another worker once its short lease runs out", async () => {
    const doomed = await startWorker(1);
    site.holding = true;
    const held = site.nextRequest();
    await addArticleJob('held');
    expect(await held).toBe('/held');

    // The worker holds the one place, on a lease of a few seconds (it was 20 s).
    const [timeLeft, ...others] = await leaseTimesLeft();
    expect(others).toEqual([]);
    expect(timeLeft).toBeGreaterThan(0);
    expect(timeLeft).toBeLessThanOrEqual(WORKER_DEFAULTS.hostGateLeaseMs);
    expect(WORKER_DEFAULTS.hostGateLeaseMs).toBeLessThanOrEqual(5_000);

    const survivor = await startWorker(1);
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    // Added once the doomed worker is dead, so that only the survivor can take it.
    const next = site.nextRequest();
    const waiting = await addArticleJob('next');

    // The survivor's request reaches the site once the dead worker's lease has run out.
    expect(await next).toBe('/next');
    site.releaseAll();
    await waiting.waitUntilFinished(events);
    expect(await readdir(join(dataDir, 'documents'))).toContain('next.json');
    expect(survivor.lines().filter((line) => line.event === 'host_gate.lease_lost')).toEqual([]);
  });

  it('never lets more than the limit in, while leases are renewed across requests of many leases', async () => {
    // Each answer takes five leases to come; the places are renewed all along.
    const leaseMs = 500;
    site.answerAfterMs = 5 * leaseMs;
    const workers = [
      await startWorker(2, { hostGateLeaseMs: leaseMs }),
      await startWorker(2, { hostGateLeaseMs: leaseMs }),
    ];
    const docIds = ['long-1', 'long-2', 'long-3', 'long-4', 'long-5', 'long-6'];
    const jobs = await Promise.all(docIds.map(addArticleJob));
    await Promise.all(jobs.map((job) => job.waitUntilFinished(events)));

    expect(site.maxInFlight).toBe(2);
    // Each article asked once: no request was cut short for a lost place and sent again.
    expect(site.requests.filter((path) => path.startsWith('/long-')).sort()).toEqual(docIds.map((id) => `/${id}`));
    expect((await readdir(join(dataDir, 'documents'))).sort()).toEqual(docIds.map((id) => `${id}.json`));
    for (const worker of workers) {
      expect(worker.lines().filter((line) => line.event === 'host_gate.lease_lost')).toEqual([]);
    }
  });
});
