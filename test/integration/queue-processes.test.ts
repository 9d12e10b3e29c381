import { Job } from 'bullmq';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { openDataDirStore } from '../../src/record/data-dir-store.js';
import { FakeUpstream, snowflakeIdAt } from '../support/fake-upstream/index.js';
import { archiveJobOptions, JOB } from '../../workers/queues.js';
import { ArticleServer } from '../workers/support/article-server.js';
import { FAST_LOCKS, WorkerFleet, type DocumentsFleet } from '../workers/support/fleet.js';
import { spawnQueueCli } from '../workers/support/processes.js';

// Worker processes of their own, stopped with SIGTERM or killed with SIGKILL, and
// several sharing one Redis: what contract section 9 promises of a fleet.

describe('worker processes', () => {
  let site: ArticleServer;
  let fake: FakeUpstream;
  let fleet: DocumentsFleet;

  beforeAll(async () => {
    site = await ArticleServer.start();
    fake = await FakeUpstream.start({ latencyMs: 40 });
  });

  afterAll(async () => {
    await site.close();
    await fake.close();
  });

  beforeEach(async () => {
    fleet = await WorkerFleet.open({
      queue: 'documents',
      connectTo: () => `${fake.routes},${site.route('site.news.test')}`,
    });
  });

  afterEach(async () => {
    await fleet.close();
    site.releaseAll();
    fake.reset();
  });

  const addHeldJob = async (docId: string) => {
    site.holding = true;
    const requested = site.nextRequest();
    const job = await fleet.queue.add(
      JOB.archive,
      { docId, source: { url: `http://site.news.test/${docId}` } },
      archiveJobOptions(docId),
    );
    return { job, requested };
  };

  it('on SIGTERM, lets the active job finish, then exits 0 (citesnap worker)', async () => {
    const worker = fleet.track(
      spawnQueueCli(['worker', '--concurrency', '2'], fleet.env({ CITESNAP_SHUTDOWN_GRACE: '30s' })),
    );
    await worker.event('worker.started');
    const { job, requested } = await addHeldJob('finishing');
    await requested;
    worker.child.kill('SIGTERM');
    await worker.event('worker.closing');
    site.releaseAll();
    expect(await worker.exited, worker.stderr()).toBe(0);
    expect(await (await Job.fromId(fleet.queue, job.id!))?.getState()).toBe('completed');
    expect((await fleet.readRecord('finishing')).source.uri).toBe('http://site.news.test/finishing');
    await worker.event('worker.closed');
  });

  it('on SIGTERM, hands back a job that outlasts the grace period, exits 0, and another worker finishes it', async () => {
    const worker = fleet.track(spawnQueueCli(['worker'], fleet.env({ CITESNAP_SHUTDOWN_GRACE: '0.2s' })));
    await worker.event('worker.started');
    const { job, requested } = await addHeldJob('handed-back');
    await requested;
    worker.child.kill('SIGTERM');
    await worker.event('job.handed_back', (line) => line.jobId === job.id);
    // The handed-back request still waits on the site; answering it lets the process end now.
    site.releaseAll();
    expect(await worker.exited, worker.stderr()).toBe(0);
    const stored = await Job.fromId(fleet.queue, job.id!);
    expect(await stored?.getState()).toBe('waiting');
    expect(stored?.attemptsMade).toBe(0);

    const next = fleet.startWorker();
    await job.waitUntilFinished(fleet.events);
    await next.event('job.completed', (line) => line.jobId === job.id);
  });

  it('takes up the job of a worker killed with SIGKILL mid-job, and finishes it once', async () => {
    const doomed = fleet.startWorker();
    await doomed.event('worker.started');
    const { job, requested } = await addHeldJob('orphaned');
    await requested;
    doomed.child.kill('SIGKILL');
    expect(await doomed.exited).toBe('SIGKILL');

    site.releaseAll();
    const rescuer = fleet.startWorker();
    await expect(job.waitUntilFinished(fleet.events)).resolves.toEqual({
      docId: 'orphaned',
      citations: 0,
      statuses: {},
    });
    await rescuer.event('job.completed', (line) => line.jobId === job.id);
    const stored = await Job.fromId(fleet.queue, job.id!);
    expect(await stored?.getState()).toBe('completed');
    expect(stored?.attemptsMade).toBe(1);
    expect(site.requests.filter((path) => path === '/orphaned')).toHaveLength(2);
  });

  it('after a worker killed half-way, the rerun reuses what was captured and captures nothing twice', async () => {
    fake.addShortLink('fast', 'https://news.test/story');
    fake.addPage('https://news.test/story', { body: '<html><head><title>Story</title></head><body>s</body></html>' });
    fake.addShortLink('slow', 'http://site.news.test/held');
    const html = '<p>One https://t.co/fast and one https://t.co/slow</p>';
    const doomed = fleet.startWorker();
    await doomed.event('worker.started');
    site.holding = true;
    const held = site.nextRequest();
    const job = await fleet.queue.add(
      JOB.archive,
      { docId: 'half-way', source: { html } },
      archiveJobOptions('half-way'),
    );
    expect(await held).toBe('/held');
    // Kill it once the fast link's check is in the index, while the slow one hangs.
    const store = openDataDirStore({ dataDir: fleet.dataDir });
    onTestFinished(() => store.close());
    const index = store.targets;
    // The worker is another process: on a busy machine its index write can take longer than waitFor's 1 s default.
    const fastEntry = await vi.waitFor(
      async () => {
        const entry = await index.get('link:https://t.co/fast');
        if (!entry) throw new Error('not indexed yet');
        return entry;
      },
      { timeout: 30_000, interval: 50 },
    );
    doomed.child.kill('SIGKILL');
    await doomed.exited;

    site.releaseAll();
    fleet.startWorker();
    await job.waitUntilFinished(fleet.events);
    const record = await fleet.readRecord('half-way');
    expect(record.citations.map((citation) => [citation.id, citation.status])).toEqual([
      ['tco:fast', 'archived'],
      ['tco:slow', 'archived'],
    ]);
    // The fast link was fetched once, by the dead worker; the rerun reused its capture.
    expect(fake.requestCount('news.test')).toBe(1);
    expect(fake.requests.filter((request) => request.host === 't.co' && request.path === '/fast')).toHaveLength(1);
    const fast = record.citations[0];
    expect(fast?.capture).toEqual(
      fastEntry.outcome.kind === 'link' && fastEntry.outcome.check.end.kind === 'page'
        ? fastEntry.outcome.check.end.capture
        : 'no capture',
    );
    expect(fast?.checks).toHaveLength(1);
  });

  it('holds the per-host limit across two worker processes', async () => {
    const posts = Array.from({ length: 18 }, (_, index) => String(1720000000000000100n + BigInt(index)));
    for (const id of posts) fake.addPost({ id, handle: 'bob', name: 'Bob', text: `post ${id}` });
    const workers = [0, 1].map(() =>
      fleet.startWorker({ ...FAST_LOCKS, concurrency: 4 }, { CITESNAP_HOST_CONCURRENCY: '2' }),
    );
    await Promise.all(workers.map((worker) => worker.event('worker.started')));

    const jobs = await Promise.all(
      Array.from({ length: 6 }, (_, doc) => {
        const html = posts
          .slice(doc * 3, doc * 3 + 3)
          .map((id) => `<p><a href="https://twitter.com/bob/status/${id}">post</a></p>`)
          .join('\n');
        return fleet.queue.add(
          JOB.archive,
          { docId: `burst-${doc}`, source: { html } },
          archiveJobOptions(`burst-${doc}`),
        );
      }),
    );
    const results = await Promise.all(
      jobs.map((job) => job.waitUntilFinished(fleet.events) as Promise<{ statuses: Record<string, number> }>),
    );
    expect(results.map((result) => result.statuses)).toEqual(jobs.map(() => ({ archived: 3 })));

    const stats = fake.stats();
    for (const [host, traffic] of Object.entries(stats.hosts)) {
      expect(traffic.maxInFlight, `${host}: ${JSON.stringify(stats.hosts)}`).toBeLessThanOrEqual(2);
    }
    expect(fake.maxInFlight('cdn.syndication.twimg.com')).toBe(2);
    // Both processes took part: each logged some of the completions.
    await Promise.all(
      jobs.map((job) =>
        Promise.any(workers.map((worker) => worker.event('job.completed', (line) => line.jobId === job.id))),
      ),
    );
    const doneBy = workers.map((worker) => worker.lines().filter((line) => line.event === 'job.completed').length);
    expect(doneBy[0]! + doneBy[1]!).toBe(6);
    expect(Math.min(...doneBy)).toBeGreaterThan(0);
  });

  it('looks each handle and printed date up in the CDX once in all, across two worker processes', async () => {
    // Three accounts, two posts each on 2024-03-05; every document quotes one post of each as residue.
    const accounts = ['first_acc', 'second_acc', 'third_acc'];
    const posts = accounts.flatMap((handle, account) =>
      [0, 1].map((n) => {
        const id = snowflakeIdAt(`2024-03-05T${String(9 + n * 6).padStart(2, '0')}:00:00Z`, account * 2 + n);
        const text = `${handle} says, post ${n === 0 ? 'one: the bridge will close for repairs from Monday' : 'two: the market moves to the square on Sunday'}.`;
        fake.addPost({ id, handle, name: handle, text });
        fake.addWaybackCopy(id, { timestamp: '20240306000000' });
        return { id, handle, text };
      }),
    );
    const workers = [0, 1].map(() =>
      fleet.startWorker({ ...FAST_LOCKS, concurrency: 3 }, { CITESNAP_HOST_CONCURRENCY: '1' }),
    );
    await Promise.all(workers.map((worker) => worker.event('worker.started')));
    const jobs = await Promise.all(
      Array.from({ length: 6 }, (_, doc) => {
        const text = accounts
          .map((handle, account) => posts[account * 2 + ((doc + account) % 2)]!)
          .map((post) => `Paragraph.\n\n${post.text} — ${post.handle} (@${post.handle}) March 5, 2024`)
          .join('\n\n');
        return fleet.queue.add(
          JOB.archive,
          { docId: `residues-${doc}`, source: { text } },
          archiveJobOptions(`residues-${doc}`),
        );
      }),
    );
    const results = await Promise.all(
      jobs.map((job) => job.waitUntilFinished(fleet.events) as Promise<{ statuses: Record<string, number> }>),
    );
    expect(results.map((result) => result.statuses)).toEqual(jobs.map(() => ({ archived: 3 })));
    const cdx = fake.requests.filter(
      (request) => request.host === 'web.archive.org' && request.path.startsWith('/cdx/'),
    );
    const asked = cdx.map((request) =>
      new URL(request.path, 'https://web.archive.org').searchParams.get('url')?.replace(/\/status\/.*/, ''),
    );
    expect(asked.sort()).toEqual(accounts.flatMap((handle) => [`twitter.com/${handle}`, `x.com/${handle}`]).sort());
    // Every post was checked once, though two workers compared it as a candidate for six documents.
    for (const post of posts) {
      expect(
        fake.requests.filter(
          (request) => request.host === 'cdn.syndication.twimg.com' && request.path.includes(`id=${post.id}&`),
        ),
      ).toHaveLength(1);
    }
    // web.archive.org is one host like any other under CITESNAP_HOST_CONCURRENCY, across both workers.
    expect(fake.maxInFlight('web.archive.org')).toBe(1);
    const doneBy = workers.map((worker) => worker.lines().filter((line) => line.event === 'job.completed').length);
    expect(Math.min(...doneBy)).toBeGreaterThan(0);
    const record = await fleet.readRecord('residues-0');
    expect(record.citations.map((citation) => citation.post?.identifiedBy)).toEqual([
      'wayback-cdx',
      'wayback-cdx',
      'wayback-cdx',
    ]);
  });
});
