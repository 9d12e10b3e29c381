import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WORKER_DEFAULTS } from '../../workers/defaults.js';
import { archiveJobOptions, JOB } from '../../workers/queues.js';
import { ArticleServer } from '../workers/support/article-server.js';
import { WorkerFleet, type DocumentsFleet } from '../workers/support/fleet.js';
import { adminRedis } from '../workers/support/redis.js';

// The host gate's places across real worker processes on a real Redis (issue 8, item 5):
// a worker killed outright holds its places only for a short lease, and leases renewed
// across a request far longer than a lease never let more than CITESNAP_HOST_CONCURRENCY in.

const HOST = 'site.news.test';

describe('the host gate across worker processes', () => {
  let site: ArticleServer;
  let fleet: DocumentsFleet;

  beforeAll(async () => {
    site = await ArticleServer.start();
  });

  afterAll(async () => {
    await site.close();
  });

  beforeEach(async () => {
    fleet = await WorkerFleet.open({ queue: 'documents', connectTo: () => site.route(HOST) });
    site.holding = false;
    site.answerAfterMs = 0;
    site.maxInFlight = site.inFlight;
  });

  afterEach(async () => {
    await fleet.close();
    site.releaseAll();
  });

  const startWorker = async (hostConcurrency: number, knobs: Record<string, number> = {}) => {
    const child = fleet.startWorker(knobs, { CITESNAP_HOST_CONCURRENCY: String(hostConcurrency) });
    await child.event('worker.started');
    return child;
  };

  const addArticleJob = (docId: string) =>
    fleet.queue.add(JOB.archive, { docId, source: { url: `http://${HOST}/${docId}` } }, archiveJobOptions(docId));

  /** ms until each lease of the host runs out, on Redis's clock. */
  const leaseTimesLeft = async (): Promise<number[]> => {
    const admin = adminRedis();
    try {
      const [seconds, micros] = await admin.time();
      const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
      const leases = await admin.zrange(`${fleet.prefix}:host-gate:{${HOST}}:leases`, 0, -1, 'WITHSCORES');
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
    await waiting.waitUntilFinished(fleet.events);
    expect(await readdir(join(fleet.dataDir, 'documents'))).toContain('next.json');
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
    await Promise.all(jobs.map((job) => job.waitUntilFinished(fleet.events)));

    expect(site.maxInFlight).toBe(2);
    // Each article asked once: no request was cut short for a lost place and sent again.
    expect(site.requests.filter((path) => path.startsWith('/long-')).sort()).toEqual(docIds.map((id) => `/${id}`));
    expect((await readdir(join(fleet.dataDir, 'documents'))).sort()).toEqual(docIds.map((id) => `${id}.json`));
    for (const worker of workers) {
      expect(worker.lines().filter((line) => line.event === 'host_gate.lease_lost')).toEqual([]);
    }
  });
});
