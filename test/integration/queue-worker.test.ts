import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Queue } from 'bullmq';
import { Job, QueueEvents } from 'bullmq';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import type { DocumentRecord } from '../../src/model/index.js';
import { FakeUpstream } from '../support/fake-upstream/index.js';
import { runQueueCommand } from '../../cli/queue-commands.js';
import { redisOptionsFromUrl } from '../../workers/connection.js';
import { archiveJobOptions, JOB, openDocumentsQueue, openMaintenanceQueue, QUEUE } from '../../workers/queues.js';
import { runWorker, type RunningWorker } from '../../workers/worker.js';
import { ArticleServer } from '../workers/support/article-server.js';
import { captureLogger } from '../workers/support/capture-log.js';
import { adminRedis, deleteKeys, killConnections, testRedisUrl, uniquePrefix } from '../workers/support/redis.js';

// The documents queue in this process, against the real Redis, the fake upstreams
// and a news site the test can hold mid-request.

const POST_ID = '1720000000000000001';
const ARTICLE = `<html><head><title>Story</title></head><body>
<p>She wrote <a href="https://twitter.com/alice/status/${POST_ID}">this</a>, linking https://t.co/abc123</p>
</body></html>`;

/** A post citing a story through t.co, and the story. */
function addUpstreams(fake: FakeUpstream): void {
  fake.addPost({
    id: POST_ID,
    handle: 'alice',
    name: 'Alice',
    text: 'hello world',
    urls: [{ tco: 'https://t.co/abc123', expanded: 'https://news.test/story' }],
  });
  fake.addPage('https://news.test/story', {
    body: '<html><head><title>Linked story</title></head><body>s</body></html>',
  });
}

describe('the documents queue, in process', () => {
  let fake: FakeUpstream;
  let site: ArticleServer;
  let dataDir: string;
  let config: Config;
  let prefix: string;
  let queue: Queue;
  let events: QueueEvents;
  let worker: RunningWorker | undefined;
  const connection = () => redisOptionsFromUrl(testRedisUrl());

  beforeAll(async () => {
    fake = await FakeUpstream.start();
    addUpstreams(fake);
    site = await ArticleServer.start(() => ARTICLE);
  });

  afterAll(async () => {
    await fake.close();
    await site.close();
  });

  beforeEach(async () => {
    prefix = uniquePrefix();
    dataDir = await mkdtemp(join(tmpdir(), 'citesnap-queue-'));
    config = loadConfig({
      CITESNAP_DATA_DIR: dataDir,
      REDIS_URL: testRedisUrl(),
      CITESNAP_QUEUE_PREFIX: prefix,
      CITESNAP_CONNECT_TO: `${fake.routes},${site.route('site.news.test')}`,
      CITESNAP_HOST_CONCURRENCY: '2',
      CITESNAP_TIMEOUT_MS: '10000',
    });
    queue = openDocumentsQueue({ connection: connection(), prefix });
    events = new QueueEvents(QUEUE.documents, { connection: connection(), prefix });
    await events.waitUntilReady();
  });

  afterEach(async () => {
    await worker?.close({ handBack: true });
    worker = undefined;
    await events.close();
    await queue.obliterate({ force: true });
    await queue.close();
    const admin = adminRedis();
    await deleteKeys(admin, prefix);
    await admin.quit();
    await rm(dataDir, { recursive: true, force: true });
    site.releaseAll();
    fake.reset();
    addUpstreams(fake);
  });

  const start = async (log = captureLogger().log) => {
    worker = await runWorker({ config, concurrency: 2, handleSignals: false, log });
    return worker;
  };

  const readRecord = async (docId: string) =>
    JSON.parse(await readFile(join(dataDir, 'documents', `${docId}.json`), 'utf8')) as DocumentRecord;

  it('archives a document end to end and returns a summary', async () => {
    await start();
    const job = await queue.add(
      JOB.archive,
      { docId: 'story-1', source: { html: ARTICLE, uri: 'https://cms.example/1' } },
      archiveJobOptions('story-1'),
    );
    const result = (await job.waitUntilFinished(events)) as unknown;
    expect(result).toEqual({ docId: 'story-1', citations: 2, statuses: { archived: 2 } });
    const record = await readRecord('story-1');
    expect(record.source.uri).toBe('https://cms.example/1');
    expect(record.citations.map((citation) => [citation.id, citation.status])).toEqual([
      [`post:${POST_ID}`, 'archived'],
      ['tco:abc123', 'archived'],
    ]);
  });

  it('fails a job with bad data once, unretried, naming the field', async () => {
    const capture = captureLogger();
    await start(capture.log);
    // As another system would add it: attempts to spare, and a bad URL.
    const failed = new Promise<{ jobId: string; failedReason: string }>((resolve) => events.once('failed', resolve));
    const job = await queue.add(
      JOB.archive,
      { docId: 'bad-1', source: { url: 'ftp://files.example/a' } },
      { attempts: 5, backoff: 1 },
    );
    const { jobId, failedReason } = await failed;
    expect(jobId).toBe(job.id);
    expect(failedReason).toBe('job data: source.url: expected an http(s) URL, got "ftp://files.example/a"');
    const stored = await Job.fromId(queue, job.id!);
    expect(await stored?.getState()).toBe('failed');
    expect(stored?.attemptsMade).toBe(1);
    await capture.event('job.failed', (line) => line.jobId === job.id);
    // A second look: nothing was retried.
    expect(capture.lines.filter((line) => line.event === 'job.invalid' && line.jobId === job.id)).toHaveLength(1);

    const missing = await queue.add(
      JOB.archive,
      { docId: 'bad-2', source: { path: join(dataDir, 'missing.html') } },
      { attempts: 5 },
    );
    await expect(missing.waitUntilFinished(events)).rejects.toThrow(
      /^job data: source\.path: .*missing\.html: path jobs are refused/,
    );
  });

  it('leaves the same record, with no new request upstream, when a job runs twice', async () => {
    await start();
    const data = { docId: 'twice', source: { url: 'http://site.news.test/story' } };
    await (await queue.add(JOB.archive, data, archiveJobOptions('twice'))).waitUntilFinished(events);
    const first = await readRecord('twice');
    const upstreamRequests = fake.requestCount();
    await (await queue.add(JOB.archive, data, archiveJobOptions('twice'))).waitUntilFinished(events);
    const second = await readRecord('twice');
    expect({ ...second, processedAt: '' }).toEqual({ ...first, processedAt: '' });
    expect(first.source.uri).toBe('http://site.news.test/story');
    expect(fake.requestCount()).toBe(upstreamRequests);
  });

  it('deduplicates a docId whose job still waits, and keeps the newest source of one that runs', async () => {
    const first = await queue.add(JOB.archive, { docId: 'dup', source: { text: 'v1' } }, archiveJobOptions('dup'));
    const again = await queue.add(JOB.archive, { docId: 'dup', source: { text: 'v2' } }, archiveJobOptions('dup'));
    expect(again.id).toBe(first.id);
    expect(await queue.getWaitingCount()).toBe(1);

    // Through the command, as a CMS would: the same job id, printed again.
    let stdout = '';
    let stderr = '';
    const code = await runQueueCommand('enqueue', ['https://site.news.test/dup', '--doc-id', 'dup'], {
      env: { ...process.env, REDIS_URL: testRedisUrl(), CITESNAP_QUEUE_PREFIX: prefix, CITESNAP_DATA_DIR: dataDir },
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
    });
    expect(code).toBe(0);
    expect(stdout).toBe(`${first.id}\n`);
    expect(stderr).toBe(`citesnap: dup: already queued as job ${first.id}; not added again\n`);
    expect(await queue.getWaitingCount()).toBe(1);

    // Once it runs, a new source for the document is kept for after it.
    site.holding = true;
    const held = site.nextRequest();
    await queue.add(
      JOB.archive,
      { docId: 'held', source: { url: 'http://site.news.test/held' } },
      archiveJobOptions('held'),
    );
    await start();
    await held;
    await queue.add(JOB.archive, { docId: 'held', source: { text: 'newer' } }, archiveJobOptions('held'));
    const secondRun = new Promise<string>((resolve) => {
      const onCompleted = ({ jobId }: { jobId: string }) => {
        void Job.fromId(queue, jobId).then((job) => {
          if ((job?.data as { source?: { text?: string } } | undefined)?.source?.text === 'newer') {
            events.off('completed', onCompleted);
            resolve(jobId);
          }
        });
      };
      events.on('completed', onCompleted);
    });
    site.releaseAll();
    await secondRun;
    expect((await readRecord('held')).source.uri).toBe('inline:text');
  });

  it('finishes a job whose Redis connections were killed mid-run, and takes new jobs after', async () => {
    const capture = captureLogger();
    const running = await start(capture.log);
    site.holding = true;
    const requested = site.nextRequest();
    const job = await queue.add(
      JOB.archive,
      { docId: 'killed', source: { url: 'http://site.news.test/killed' } },
      archiveJobOptions('killed'),
    );
    const completed = new Promise<string | undefined>((resolve) => {
      running.documents.on('completed', (done) => {
        if (done.id === job.id) resolve(done.id);
      });
    });
    await requested;

    const admin = adminRedis();
    expect(await killConnections(admin, prefix)).toBeGreaterThanOrEqual(4);
    site.releaseAll();
    expect(await completed).toBe(job.id);
    expect((await readRecord('killed')).citations).toHaveLength(2);

    const next = await queue.add(
      JOB.archive,
      { docId: 'after', source: { text: 'no citations' } },
      archiveJobOptions('after'),
    );
    expect(await next.waitUntilFinished(events)).toEqual({ docId: 'after', citations: 0, statuses: {} });
    await admin.quit();
  });

  it('runs the maintenance jobs: a recheck run by target finds a post deleted since, retry-failed asks again about the unidentified', async () => {
    await start();
    const embed =
      '<blockquote class="twitter-tweet"><p>Lost words</p>&mdash; Carol (@carol) <a href="https://example.com/">May 1, 2023</a></blockquote>';
    await (
      await queue.add(
        JOB.archive,
        { docId: 'maintained', source: { html: `${ARTICLE}\n${embed}` } },
        archiveJobOptions('maintained'),
      )
    ).waitUntilFinished(events);
    const before = await readRecord('maintained');
    const post = () => record.citations.find((citation) => citation.id === `post:${POST_ID}`);
    let record = before;
    expect(post()?.status).toBe('archived');
    expect(record.citations.some((citation) => citation.status === 'unidentified')).toBe(true);

    fake.setPostState(POST_ID, 'deleted');
    const maintenance = openMaintenanceQueue({ connection: connection(), prefix });
    const maintenanceEvents = new QueueEvents(QUEUE.maintenance, { connection: connection(), prefix });
    await maintenanceEvents.waitUntilReady();
    // A planning job returns its parts' job ids; the run is done when they are.
    const runOf = async (name: typeof JOB.recheck | typeof JOB.retryFailed, data: Record<string, unknown>) => {
      const plan = (await (await maintenance.add(name, data)).waitUntilFinished(maintenanceEvents)) as {
        targets: number;
        parts: string[];
      };
      const parts: unknown[] = [];
      for (const id of plan.parts)
        parts.push(await (await Job.fromId(maintenance, id))?.waitUntilFinished(maintenanceEvents));
      return { targets: plan.targets, parts };
    };
    try {
      // On the widening schedule nothing checked a moment ago is due.
      expect(await runOf(JOB.recheck, {})).toEqual({ targets: 0, parts: [] });
      expect((await readRecord('maintained')).citations).toEqual(before.citations);
      // With a zero threshold every target is due: the post, the embed's link and the unidentified embed itself
      // (looked up again, contract 6a), one part.
      const run = await runOf(JOB.recheck, { olderThan: 0 });
      expect(run.targets).toBe(before.citations.length);
      expect(run.parts).toEqual([{ documents: 1, citations: expect.any(Number) as number }]);
      record = await readRecord('maintained');
      expect(post()?.status).toBe('deleted');
      expect(post()?.capture).toEqual(before.citations.find((citation) => citation.id === `post:${POST_ID}`)?.capture);
      expect(post()?.checks.map((check) => check.status)).toEqual(['archived', 'deleted']);
      const metrics = await worker?.metrics.registry.metrics();
      expect(metrics).toMatch(/^citesnap_status_changes_total\{from="archived",to="deleted"\} 1$/m);
      expect(metrics).toMatch(/^citesnap_recheck_targets_total \d+$/m);

      // retry-failed takes the post still unidentified, and identifies it again from its links.
      const retried = await runOf(JOB.retryFailed, {});
      expect(retried.targets).toBe(before.citations.filter((citation) => citation.status === 'unidentified').length);
      expect(retried.parts).toEqual([expect.objectContaining({ documents: 1 })]);

      const badPart = await maintenance.add(JOB.recheckTargets, {
        run: 'recheck',
        plannedAt: new Date().toISOString(),
        part: 0,
        of: 1,
        documents: [{ docId: 'maintained', targets: ['file:///etc/passwd'] }],
      });
      await expect(badPart.waitUntilFinished(maintenanceEvents)).rejects.toThrow(
        'job data: documents[0].targets[0]: expected a target key',
      );
      const bad = await maintenance.add(JOB.recheck, { olderThan: 'a while' });
      await expect(bad.waitUntilFinished(maintenanceEvents)).rejects.toThrow(
        'job data: olderThan: expected a duration',
      );
    } finally {
      await maintenanceEvents.close();
      await maintenance.obliterate({ force: true });
      await maintenance.close();
    }
  });

  it('serves /metrics and /healthz', async () => {
    worker = await runWorker({
      config,
      handleSignals: false,
      log: captureLogger().log,
      metricsPort: 0,
      metricsHost: '127.0.0.1',
    });
    const base = `http://127.0.0.1:${worker.metricsAddress?.port}`;
    await (
      await queue.add(JOB.archive, { docId: 'measured', source: { html: ARTICLE } }, archiveJobOptions('measured'))
    ).waitUntilFinished(events);

    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', redis: 'up' });

    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^citesnap_jobs_total\{queue="documents",name="archive",outcome="completed"\} 1$/m);
    expect(metrics).toMatch(/^citesnap_citations_total\{status="archived"\} 2$/m);
    expect(metrics).toMatch(
      /^citesnap_job_duration_seconds_count\{queue="documents",name="archive",outcome="completed"\} 1$/m,
    );
    expect(metrics).toMatch(/^citesnap_host_gate_requests_total\{host="cdn\.syndication\.twimg\.com"\} [1-9]/m);
    expect(metrics).toMatch(
      /^citesnap_upstream_requests_total\{host="cdn\.syndication\.twimg\.com",status="200"\} [1-9]/m,
    );
    expect(metrics).toMatch(/^citesnap_queue_jobs\{queue="documents",state="completed"\} 1$/m);
    expect(metrics).toMatch(/^process_resident_memory_bytes /m);
    expect((await fetch(`${base}/nothing`)).status).toBe(404);
  });
});
