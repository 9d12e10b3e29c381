import { Job } from 'bullmq';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { Citation } from '../../src/model/index.js';
import { archiveDocument, openPipeline } from '../../src/pipeline/index.js';
import { loadSource } from '../../src/source.js';
import { JOB } from '../../workers/queues.js';
import { FakeUpstream, snowflakeIdAt } from '../support/fake-upstream/index.js';
import { runCli } from '../support/run-cli.js';
import { FAST_LOCKS, WorkerFleet, type MaintenanceFleet } from '../workers/support/fleet.js';
import type { TestProcess } from '../workers/support/processes.js';

// Contract 6a with sections 9 and 10, through the queue: the scheduled `recheck` and
// `retry-failed` jobs, run by two worker processes, look residues that stayed
// unidentified up again in the Wayback CDX, once a handle and printed date a run
// although the documents quoting them are in different parts.

/** One document a part: the two documents of a run are two jobs, for either worker. */
const PARTS = { recheckPartSize: 1 };

const HANDLE = 'late_archived';
const POSTS = [
  {
    docId: 'ferry-off',
    id: snowflakeIdAt('2024-03-05T09:15:00Z', 1),
    text: 'The ferry to the islands will not sail on Thursday because of the storm warning.',
  },
  {
    docId: 'ferry-on',
    id: snowflakeIdAt('2024-03-05T17:40:00Z', 2),
    text: 'Ferries sail again from Friday morning; tickets for Thursday stay valid all week.',
  },
];

describe('the queue looks unidentified residues up again', () => {
  let fake: FakeUpstream;
  let fleet: MaintenanceFleet;

  beforeAll(async () => {
    fake = await FakeUpstream.start({ latencyMs: 20 });
  });

  afterAll(async () => {
    await fake.close();
  });

  beforeEach(async () => {
    fleet = await WorkerFleet.open({
      queue: 'maintenance',
      connectTo: () => fake.routes,
      // No earlier lookup is reused, as a day after the first run with the default window.
      env: { CITESNAP_REFRESH_AFTER: '0s' },
    });
    // Public posts the Wayback Machine has no copy of yet: the CDX knows nothing of the account.
    for (const post of POSTS) fake.addPost({ id: post.id, handle: HANDLE, name: 'Port Authority', text: post.text });
    const pipeline = openPipeline(loadConfig(fleet.env()));
    try {
      for (const post of POSTS) {
        const text = `The port.\n\n${post.text} — Port Authority (@${HANDLE}) March 5, 2024\n`;
        const record = await archiveDocument({ docId: post.docId, source: await loadSource({ text }) }, pipeline.ports);
        expect(record.citations.map((citation) => citation.status)).toEqual(['unidentified']);
      }
    } finally {
      await pipeline.close();
    }
  });

  afterEach(async () => {
    await fleet.close();
    fake.reset();
  });

  async function startWorkers(): Promise<TestProcess[]> {
    const workers = [0, 1].map(() => fleet.startWorker({ ...FAST_LOCKS, ...PARTS }));
    await Promise.all(workers.map((worker) => worker.event('worker.started')));
    return workers;
  }

  function cdxAskedSince(mark: number): string[] {
    return fake.requests
      .slice(mark)
      .filter((request) => request.host === 'web.archive.org' && request.path.startsWith('/cdx/'))
      .map(
        (request) =>
          new URL(request.path, 'https://web.archive.org').searchParams.get('url')?.replace(/\/status\/.*/, '') ?? '',
      )
      .sort();
  }

  /** Runs a planning job to its end: its parts, each on whichever worker takes it. */
  async function runPlanned(
    name: typeof JOB.recheck | typeof JOB.retryFailed,
    data: Record<string, unknown>,
  ): Promise<void> {
    const plan = (await (await fleet.queue.add(name, data)).waitUntilFinished(fleet.events)) as {
      targets: number;
      parts: string[];
    };
    expect(plan.targets).toBe(POSTS.length);
    expect(plan.parts).toHaveLength(POSTS.length);
    for (const id of plan.parts) {
      const part = await Job.fromId(fleet.queue, id);
      if (part === undefined) throw new Error(`part ${id} is not on the queue`);
      expect(await part.waitUntilFinished(fleet.events)).toEqual({ documents: 1, citations: 1 });
    }
  }

  async function expectIdentified(): Promise<void> {
    for (const post of POSTS) {
      const record = await fleet.readRecord(post.docId);
      expect(record.citations).toHaveLength(1);
      const citation: Citation = record.citations[0]!;
      expect(citation).toMatchObject({
        id: `post:${post.id}`,
        status: 'archived',
        capture: { via: 'syndication' },
        post: { id: post.id, identifiedBy: 'wayback-cdx', quote: { verdict: 'verbatim', similarity: 1 } },
      });
      expect(citation.post?.candidates).toBeUndefined();
      expect(citation.checks.map((check) => check.status)).toEqual(['unidentified', 'archived']);
    }
    const changes = await runCli(['changes', '--since', '1h', '--json'], { env: { CITESNAP_DATA_DIR: fleet.dataDir } });
    expect(changes.stderr).toBe('');
    expect(
      changes.stdout
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .map(
          ({ docId, citationId, from, to }) =>
            `${String(docId)} ${String(citationId)} ${String(from)} -> ${String(to)}`,
        )
        .sort(),
    ).toEqual(POSTS.map((post) => `${post.docId} post:${post.id} unidentified -> archived`));
  }

  it.each([
    ['retry-failed', JOB.retryFailed, {}],
    ['the scheduled recheck', JOB.recheck, { olderThan: 0 }],
  ] as const)(
    '%s identifies and archives them once the Wayback Machine has them, with one CDX lookup for their handle and date',
    async (_run, name, data) => {
      await startWorkers();
      for (const post of POSTS) fake.addWaybackCopy(post.id, { timestamp: '20240312000000' });
      const mark = fake.requests.length;
      await runPlanned(name, data);
      expect(cdxAskedSince(mark)).toEqual([`twitter.com/${HANDLE}`, `x.com/${HANDLE}`]);
      await expectIdentified();
    },
  );
});
