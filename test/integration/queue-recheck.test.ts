import { Job } from 'bullmq';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { archiveDocument, openPipeline } from '../../src/pipeline/index.js';
import { loadSource } from '../../src/source.js';
import { FakeUpstream } from '../support/fake-upstream/index.js';
import { JOB } from '../../workers/queues.js';
import { ArticleServer } from '../workers/support/article-server.js';
import { FAST_LOCKS, WorkerFleet, type MaintenanceFleet } from '../workers/support/fleet.js';
import type { TestProcess } from '../workers/support/processes.js';

// A recheck run shared by worker processes of their own (contract section 10): the
// planning job splits it into parts, every worker takes parts, and the part of a
// worker killed with SIGKILL is taken up by another.

/** 8 short links to 8 pages of a site the test can hold; 12 documents, each citing two of them. */
const LINKS = 8;
const DOCUMENTS = 12;
/** Parts of 3 documents, one document at a time: a held page holds its worker's part. */
const PARTS = { recheckPartSize: 3, recheckConcurrency: 1 };

describe('a recheck run shared by worker processes', () => {
  let site: ArticleServer;
  let fake: FakeUpstream;
  let fleet: MaintenanceFleet;

  beforeAll(async () => {
    site = await ArticleServer.start();
    fake = await FakeUpstream.start();
  });

  afterAll(async () => {
    await site.close();
    await fake.close();
  });

  beforeEach(async () => {
    fleet = await WorkerFleet.open({
      queue: 'maintenance',
      connectTo: () => `${fake.routes},${site.route('site.news.test')}`,
    });
    for (let n = 0; n < LINKS; n++) fake.addShortLink(`rot${n}`, `http://site.news.test/story-${n}`);
    // The archive itself, in this process, through the same configuration the workers get.
    const pipeline = openPipeline(loadConfig(fleet.env()));
    try {
      for (let d = 0; d < DOCUMENTS; d++) {
        const text = `See https://t.co/rot${d % LINKS} and https://t.co/rot${(d + 1) % LINKS}.`;
        await archiveDocument({ docId: `doc-${d}`, source: await loadSource({ text }) }, pipeline.ports);
      }
    } finally {
      await pipeline.close();
    }
  });

  afterEach(async () => {
    await fleet.close();
    site.releaseAll();
    site.requests.length = 0;
    fake.reset();
  });

  const startWorker = () => fleet.startWorker({ ...FAST_LOCKS, ...PARTS });
  const partStarted = (worker: TestProcess) => worker.event('job.started', (line) => line.job === JOB.recheckTargets);

  /** Plans a run of every target and returns its parts' jobs. */
  async function planEverything(): Promise<Job[]> {
    const plan = (await (await fleet.queue.add(JOB.recheck, { olderThan: 0 })).waitUntilFinished(fleet.events)) as {
      targets: number;
      parts: string[];
    };
    expect(plan.targets).toBe(LINKS);
    expect(plan.parts).toHaveLength(DOCUMENTS / PARTS.recheckPartSize);
    const jobs: Job[] = [];
    for (const id of plan.parts) {
      const job = await Job.fromId(fleet.queue, id);
      if (job === undefined) throw new Error(`part ${id} is not on the queue`);
      jobs.push(job);
    }
    return jobs;
  }

  async function expectEveryCitationRechecked(): Promise<void> {
    for (let d = 0; d < DOCUMENTS; d++) {
      const record = await fleet.readRecord(`doc-${d}`);
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
      expect(await part.waitUntilFinished(fleet.events)).toEqual({
        documents: PARTS.recheckPartSize,
        citations: 2 * PARTS.recheckPartSize,
      });
    await expectEveryCitationRechecked();
    // Each page asked once by the run, however many documents cite it.
    expect(site.requests.filter((path) => path.startsWith('/story-')).sort()).toEqual(
      Array.from({ length: LINKS }, (_, n) => `/story-${n}`).sort(),
    );
  });

  it('lets one worker take two parts at once: a part waiting on a held page does not hold up the next', async () => {
    const worker = startWorker();
    await worker.event('worker.started');
    site.holding = true;
    const parts = await planEverything();
    const partsStarted = () =>
      worker.lines().filter((line) => line.event === 'job.started' && line.job === JOB.recheckTargets);
    // Neither part can end while the pages are held: one job at a time would never start the second.
    await worker.event('job.started', (line) => partsStarted().indexOf(line) === 1);
    expect(await fleet.queue.getActiveCount()).toBe(2);
    site.releaseAll();
    for (const part of parts) await part.waitUntilFinished(fleet.events);
    await expectEveryCitationRechecked();
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
    for (const part of parts) await part.waitUntilFinished(fleet.events);
    await rescuer.event('job.completed', (line) => line.job === JOB.recheckTargets);
    await expectEveryCitationRechecked();
    // Every page was asked by the run; only the one the killed worker was waiting on twice.
    const storyRequests = site.requests.filter((path) => path.startsWith('/story-'));
    expect(new Set(storyRequests).size).toBe(LINKS);
    expect(storyRequests.length).toBeLessThanOrEqual(LINKS + 1);
  });
});
