import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job, QueueEvents, type Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { archiveDocument, openPipeline } from '../../src/pipeline/index.js';
import type { DocumentRecord } from '../../src/model/index.js';
import { loadSource } from '../../src/source.js';
import { FakeUpstream, TEST_CA_PATH } from '../support/fake-upstream/index.js';
import { redisOptionsFromUrl } from '../../workers/connection.js';
import { JOB, openMaintenanceQueue, QUEUE } from '../../workers/queues.js';
import { ArticleServer } from '../workers/support/article-server.js';
import { spawnTsx, type TestProcess } from '../workers/support/processes.js';
import { adminRedis, deleteKeys, testRedisUrl, uniquePrefix } from '../workers/support/redis.js';

// A recheck run shared by worker processes of their own (contract section 10): the
// planning job splits it into parts, every worker takes parts, and the part of a
// worker killed with SIGKILL is taken up by another.

const WORKER_SCRIPT = 'test/workers/support/worker-process.ts';
const FAST_LOCKS = { lockDurationMs: 1_000, stalledIntervalMs: 300, claimTtlMs: 1_000, hostGateLeaseMs: 1_000 };
/** 8 short links to 8 pages of a site the test can hold; 12 documents, each citing two of them. */
const LINKS = 8;
const DOCUMENTS = 12;
/** Parts of 3 documents, one document at a time: a held page holds its worker's part. */
const PARTS = { recheckPartSize: 3, recheckConcurrency: 1 };

describe('a recheck run shared by worker processes', () => {
  let site: ArticleServer;
  let fake: FakeUpstream;
  let prefix: string;
  let dataDir: string;
  let maintenance: Queue;
  let events: QueueEvents;
  const processes: TestProcess[] = [];
  const connection = () => redisOptionsFromUrl(testRedisUrl());

  beforeAll(async () => {
    site = await ArticleServer.start();
    fake = await FakeUpstream.start();
  });

  afterAll(async () => {
    await site.close();
    await fake.close();
  });

  beforeEach(async () => {
    prefix = uniquePrefix();
    dataDir = await mkdtemp(join(tmpdir(), 'citesnap-recheck-workers-'));
    for (let n = 0; n < LINKS; n++) fake.addShortLink(`rot${n}`, `http://site.news.test/story-${n}`);
    // The archive itself, in this process, through the same configuration the workers get.
    const pipeline = openPipeline(loadConfig(env()));
    try {
      for (let d = 0; d < DOCUMENTS; d++) {
        const text = `See https://t.co/rot${d % LINKS} and https://t.co/rot${(d + 1) % LINKS}.`;
        await archiveDocument({ docId: `doc-${d}`, source: await loadSource({ text }) }, pipeline.ports);
      }
    } finally {
      await pipeline.close();
    }
    maintenance = openMaintenanceQueue({ connection: connection(), prefix });
    events = new QueueEvents(QUEUE.maintenance, { connection: connection(), prefix });
    await events.waitUntilReady();
  });

  afterEach(async () => {
    for (const child of processes.splice(0)) {
      if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill('SIGKILL');
      await child.exited;
    }
    site.releaseAll();
    site.requests.length = 0;
    fake.reset();
    await events.close();
    await maintenance.obliterate({ force: true });
    await maintenance.close();
    const admin = adminRedis();
    await deleteKeys(admin, prefix);
    await admin.quit();
    await rm(dataDir, { recursive: true, force: true });
  });

  function env(): Record<string, string> {
    return {
      REDIS_URL: testRedisUrl(),
      CITESNAP_QUEUE_PREFIX: prefix,
      CITESNAP_DATA_DIR: dataDir,
      CITESNAP_CONNECT_TO: `${fake.routes},${site.route('site.news.test')}`,
      NODE_EXTRA_CA_CERTS: TEST_CA_PATH,
      CITESNAP_TIMEOUT_MS: '10000',
    };
  }
  const startWorker = () => {
    const child = spawnTsx(WORKER_SCRIPT, [], {
      ...env(),
      TEST_WORKER_OPTIONS: JSON.stringify({ ...FAST_LOCKS, ...PARTS }),
    });
    processes.push(child);
    return child;
  };
  const partStarted = (worker: TestProcess) => worker.event('job.started', (line) => line.job === JOB.recheckTargets);
  const readRecord = async (docId: string) =>
    JSON.parse(await readFile(join(dataDir, 'documents', `${docId}.json`), 'utf8')) as DocumentRecord;

  /** Plans a run of every target and returns its parts' jobs. */
  async function planEverything(): Promise<Job[]> {
    const plan = (await (await maintenance.add(JOB.recheck, { olderThan: 0 })).waitUntilFinished(events)) as {
      targets: number;
      parts: string[];
    };
    expect(plan.targets).toBe(LINKS);
    expect(plan.parts).toHaveLength(DOCUMENTS / PARTS.recheckPartSize);
    const jobs: Job[] = [];
    for (const id of plan.parts) {
      const job = await Job.fromId(maintenance, id);
      if (job === undefined) throw new Error(`part ${id} is not on the queue`);
      jobs.push(job);
    }
    return jobs;
  }

  async function expectEveryCitationRechecked(): Promise<void> {
    for (let d = 0; d < DOCUMENTS; d++) {
      const record = await readRecord(`doc-${d}`);
      expect(record.citations.map((citation) => [citation.id, citation.status, citation.checks.length])).toEqual([
        [`tco:rot${d % LINKS}`, 'archived', 2],
        [`tco:rot${(d + 1) % LINKS}`, 'archived', 2],
      ]);
    }
  }

  it('puts the parts on the queue for every worker: two workers each take one while the other is busy', async () => {
    site.requests.length = 0;
    const first = startWorker();
    const second = startWorker();
    await Promise.all([first.event('worker.started'), second.event('worker.started')]);
    site.holding = true;
    const parts = await planEverything();
    // Each worker's part waits on a held page, so both must have taken one.
    await Promise.all([partStarted(first), partStarted(second)]);
    site.releaseAll();
    for (const part of parts)
      expect(await part.waitUntilFinished(events)).toEqual({
        documents: PARTS.recheckPartSize,
        citations: 2 * PARTS.recheckPartSize,
      });
    await expectEveryCitationRechecked();
    // Each page asked once by the run, however many documents cite it.
    expect(site.requests.filter((path) => path.startsWith('/story-')).sort()).toEqual(
      Array.from({ length: LINKS }, (_, n) => `/story-${n}`).sort(),
    );
  });

  it('leaves no target unchecked when a worker is killed with SIGKILL mid-part and another takes over', async () => {
    site.requests.length = 0;
    const doomed = startWorker();
    await doomed.event('worker.started');
    site.holding = true;
    const held = site.nextRequest();
    const parts = await planEverything();
    await partStarted(doomed);
    await held;
    doomed.child.kill('SIGKILL');
    expect(await doomed.exited).toBe('SIGKILL');
    site.releaseAll();

    const rescuer = startWorker();
    for (const part of parts) await part.waitUntilFinished(events);
    await rescuer.event('job.completed', (line) => line.job === JOB.recheckTargets);
    await expectEveryCitationRechecked();
    // Every page was asked by the run; only the one the killed worker was waiting on twice.
    const storyRequests = site.requests.filter((path) => path.startsWith('/story-'));
    expect(new Set(storyRequests).size).toBe(LINKS);
    expect(storyRequests.length).toBeLessThanOrEqual(LINKS + 1);
  });
});
