import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueEvents, type Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DocumentRecord } from '../../src/model/index.js';
import { FakeUpstream, TEST_CA_PATH } from '../support/fake-upstream/index.js';
import { countResponseRecords } from '../support/warc-duplicates.js';
import { redisOptionsFromUrl } from '../../workers/connection.js';
import { archiveJobOptions, JOB, openDocumentsQueue, QUEUE } from '../../workers/queues.js';
import { ArticleServer } from '../workers/support/article-server.js';
import { spawnTsx, type TestProcess } from '../workers/support/processes.js';
import { adminRedis, deleteKeys, testRedisUrl, uniquePrefix } from '../workers/support/redis.js';

// A job whose worker was SIGKILLed half-way through a check runs again elsewhere: what
// the killed run had already stored in a WARC file, redirects included, is reused,
// never fetched and stored a second time (contract section 9).

const WORKER_SCRIPT = 'test/workers/support/worker-process.ts';
const FAST_LOCKS = { lockDurationMs: 1_000, stalledIntervalMs: 300, claimTtlMs: 1_000, hostGateLeaseMs: 1_000 };

describe('a job run again after its worker was killed mid-check', () => {
  let site: ArticleServer;
  let fake: FakeUpstream;
  let prefix: string;
  let dataDir: string;
  let queue: Queue;
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
    dataDir = await mkdtemp(join(tmpdir(), 'citesnap-rerun-'));
    queue = openDocumentsQueue({ connection: connection(), prefix });
    events = new QueueEvents(QUEUE.documents, { connection: connection(), prefix });
    await events.waitUntilReady();
  });

  afterEach(async () => {
    for (const child of processes.splice(0)) {
      if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill('SIGKILL');
      await child.exited;
    }
    site.releaseAll();
    fake.reset();
    await events.close();
    await queue.obliterate({ force: true });
    await queue.close();
    const admin = adminRedis();
    await deleteKeys(admin, prefix);
    await admin.quit();
    await rm(dataDir, { recursive: true, force: true });
  });

  const startWorker = () => {
    const child = spawnTsx(WORKER_SCRIPT, [], {
      REDIS_URL: testRedisUrl(),
      CITESNAP_QUEUE_PREFIX: prefix,
      CITESNAP_DATA_DIR: dataDir,
      CITESNAP_CONNECT_TO: `${fake.routes},${site.route('site.news.test')}`,
      NODE_EXTRA_CA_CERTS: TEST_CA_PATH,
      TEST_WORKER_OPTIONS: JSON.stringify(FAST_LOCKS),
    });
    processes.push(child);
    return child;
  };

  it('does not store the t.co redirect a second time: the rerun replays it from the WARC file', async () => {
    fake.addShortLink('slow', 'http://site.news.test/held');
    const doomed = startWorker();
    await doomed.event('worker.started');
    site.holding = true;
    const held = site.nextRequest();
    const job = await queue.add(
      JOB.archive,
      { docId: 'killed', source: { html: '<p>See https://t.co/slow</p>' } },
      archiveJobOptions('killed'),
    );
    // The redirect is answered and stored; the page it leads to hangs. Kill the worker there.
    expect(await held).toBe('/held');
    doomed.child.kill('SIGKILL');
    await doomed.exited;

    site.releaseAll();
    startWorker();
    await job.waitUntilFinished(events);
    const record = JSON.parse(await readFile(join(dataDir, 'documents', 'killed.json'), 'utf8')) as DocumentRecord;
    expect(record.citations.map((citation) => [citation.id, citation.status])).toEqual([['tco:slow', 'archived']]);
    expect(record.citations[0]?.link?.hops.map((hop) => [hop.url, hop.status])).toEqual([
      ['https://t.co/slow', 301],
      ['http://site.news.test/held', 200],
    ]);
    // t.co was asked once, by the killed worker; its answer is in the WARC files once.
    expect(fake.requests.filter((request) => request.host === 't.co' && request.path === '/slow')).toHaveLength(1);
    const stored = await countResponseRecords(dataDir);
    expect(stored).toEqual({ responses: 2, duplicated: 0, duplicates: [] });
  });
});
