import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Job } from 'bullmq';
import { describe, expect, it } from 'vitest';
import {
  warcStoreName,
  type CheckJournalEntry,
  type DocumentRecord,
  type TargetIndexEntry,
} from '../../src/model/index.js';
import { outboxFolder } from '../../src/capture/warc-writer.js';
import { archiveJobOptions, JOB } from '../../workers/queues.js';
import { snowflakeIdAt } from '../support/fake-upstream/index.js';
import { runCli } from '../support/run-cli.js';
import { entryText, expectDigestsHold, parseCdxj, readWacz, recordAt } from '../support/wacz.js';
import {
  countReferencedResponses,
  countResponseRecordsIn,
  warcLocationsIn,
  type ResponseRecordCount,
} from '../support/warc-duplicates.js';
import { parseWarc } from '../support/warc-records.js';
import { spawnQueueCli } from '../workers/support/processes.js';
import { useQueueOnMachines, useSharedMachines, waitForTarget, type SharedMachines } from './support/machines.js';

// Contract section 12 with both shared engines at once, as an operator runs it: every
// machine has a data dir of its own and shares one PostgreSQL, one Redis and one S3
// bucket (s3rver) as the WARC store. Processes are `citesnap` itself or worker
// processes; the test reads the database and the bucket only as a third machine would.

const BUCKET = 'newsroom-warcs';
const machines = useSharedMachines({ label: 'machines_s3', bucket: BUCKET });
const queueSide = useQueueOnMachines(machines);

/** What the shared database holds of these documents: their records and the index entries of the targets they cite. */
async function databaseContents(
  docIds: readonly string[],
): Promise<{ records: DocumentRecord[]; targets: TargetIndexEntry[] }> {
  return machines.withDatabase(async (store) => ({
    records: (
      await store.database.query<{ record: DocumentRecord }>(
        'SELECT record FROM documents WHERE doc_id = ANY($1) ORDER BY doc_id',
        [docIds],
      )
    ).map((row) => row.record),
    targets: (
      await store.database.query<{ entry: TargetIndexEntry }>(
        'SELECT entry FROM targets WHERE target_key IN (SELECT target_key FROM citing WHERE doc_id = ANY($1)) ORDER BY target_key',
        [docIds],
      )
    ).map((row) => row.entry),
  }));
}

/** The store names of the WARC files that any record or target index entry in the database points at. */
async function filesNamedInDatabase(): Promise<string[]> {
  const rows = await machines.withDatabase((store) =>
    store.database.query<{ named: unknown }>(
      'SELECT record AS named FROM documents UNION ALL SELECT entry AS named FROM targets',
    ),
  );
  return [...new Set(warcLocationsIn(rows).map((location) => warcStoreName(location.file)))].sort();
}

const bucketNames = () => machines.withWarcStore((store) => store.list());

/**
 * Every answer these documents' records and their targets' index entries point at, read
 * from the bucket: each readable, and none stored twice.
 */
async function referencedResponses(docIds: readonly string[]): Promise<ResponseRecordCount> {
  const { records, targets } = await databaseContents(docIds);
  return machines.withWarcStore((store) =>
    countReferencedResponses(warcLocationsIn([records, targets]), (location) =>
      store.readRange(warcStoreName(location.file), location.offset, location.length),
    ),
  );
}

/** Every answer in the bucket, referenced or not. */
async function bucketResponses(): Promise<ResponseRecordCount> {
  return machines.withWarcStore(async (store) =>
    countResponseRecordsIn((await store.list()).map((name) => store.readAll(name))),
  );
}

/** Every WARC file under a machine's data dir (its warc folder, its outbox, anywhere). */
async function warcFilesOn(machines: SharedMachines, name: string): Promise<string[]> {
  const entries = await readdir(machines.dataDir(name), { recursive: true }).catch(() => []);
  return entries.filter((entry) => entry.endsWith('.warc.gz'));
}

const shortLinkRequests = (code: string) =>
  machines.upstream.requests.filter((request) => request.host === 't.co' && request.path === `/${code}`).length;

describe('machines sharing one PostgreSQL and one S3 bucket', () => {
  it('two citesnap workers on different data dirs capture each target once; a third machine shows, rechecks, lists changes and exports from the bucket', async () => {
    const { queue, events } = queueSide.fleet;
    const posts = Array.from({ length: 4 }, (_, n) => snowflakeIdAt('2026-07-01T00:00:00Z', n));
    const photoOf = (id: string) => `https://pbs.twimg.com/media/P${id.slice(-6)}photo.jpg`;
    // Photos are asked for at their largest size.
    const largestPhotoOf = (id: string) => `https://pbs.twimg.com/media/P${id.slice(-6)}photo?format=jpg&name=orig`;
    const docIds = Array.from({ length: 8 }, (_, n) => `burst-${n}`);
    for (const [n, id] of posts.entries())
      machines.upstream.addPost({
        id,
        handle: 'wire',
        name: 'Wire',
        text: `Wire story ${id}`,
        // Half the posts carry a photo: a capture of its own, in the same check.
        photos: n % 2 === 0 ? [{ url: photoOf(id), width: 800, height: 600 }] : [],
      });
    const workers = ['machine-a', 'machine-b'].map((name) =>
      machines.track(spawnQueueCli(['worker', '--concurrency', '3'], queueSide.queueEnv(name))),
    );
    await Promise.all(workers.map((child) => child.event('worker.started')));
    const text = posts.map((id) => `https://x.com/wire/status/${id}`).join('\n');
    const jobs = await Promise.all(
      Array.from({ length: 8 }, (_, n) =>
        queue.add(JOB.archive, { docId: `burst-${n}`, source: { text } }, archiveJobOptions(`burst-${n}`)),
      ),
    );
    await Promise.all(jobs.map((job) => job.waitUntilFinished(events)));
    // Each target once across both machines, and both machines did work.
    for (const id of posts) expect(machines.syndicationRequests(id)).toBe(1);
    for (const id of posts.filter((_, n) => n % 2 === 0))
      expect(
        machines.upstream.requests.filter((request) => `https://${request.host}${request.path}` === largestPhotoOf(id)),
      ).toHaveLength(1);
    const completedBy = workers.filter((child) => child.lines().some((line) => line.event === 'job.completed'));
    expect(completedBy).toHaveLength(2);

    // Stopped as an operator stops them: each puts what it still holds in the bucket and exits 0.
    for (const child of workers) child.child.kill('SIGTERM');
    expect(await Promise.all(workers.map((child) => child.exited))).toEqual([0, 0]);
    // No WARC file is left on either machine: every one went to the bucket.
    expect(await warcFilesOn(machines, 'machine-a')).toEqual([]);
    expect(await warcFilesOn(machines, 'machine-b')).toEqual([]);
    const named = await filesNamedInDatabase();
    expect(named.length).toBeGreaterThan(0);
    expect(await bucketNames()).toEqual(expect.arrayContaining(named));
    expect(await referencedResponses(docIds)).toMatchObject({ duplicated: 0 });

    // A third machine with an empty data dir of its own.
    const third = machines.machine('machine-c');
    const shown = await runCli(['show', 'burst-5'], { env: third });
    expect([shown.code, shown.stderr]).toEqual([0, '']);
    const record = JSON.parse(shown.stdout) as DocumentRecord;
    expect(record.citations.map((citation) => [citation.post?.id, citation.status])).toEqual(
      posts.map((id) => [id, 'archived']),
    );

    // Its export reads the captures from the bucket: the posts' answers and the photos, whole.
    const out = join(machines.work, 'burst-5.wacz');
    const exported = await runCli(['export', 'burst-5', '--out', out], { env: third });
    expect([exported.code, exported.stderr]).toEqual([0, '']);
    const entries = await readWacz(await readFile(out));
    expectDigestsHold(entries);
    const lines = parseCdxj(entryText(entries, 'indexes/index.cdxj'));
    for (const line of lines) expect((await recordAt(entries, line)).targetUri).toBe(line.url);
    const responses = [];
    for (const [name, entry] of entries)
      if (name.startsWith('archive/'))
        responses.push(...(await parseWarc(entry.bytes)).filter((stored) => stored.type === 'response'));
    for (const [n, id] of posts.entries()) {
      const answer = responses.find((stored) => {
        const uri = stored.warcHeaders.get('WARC-Target-URI') ?? '';
        return uri.startsWith('https://cdn.syndication.twimg.com/') && uri.includes(`id=${id}`);
      });
      // The payload as it came off the wire: gzip-encoded by the syndication endpoint.
      const payload = Buffer.from(answer?.payload ?? []);
      const body = payload[0] === 0x1f && payload[1] === 0x8b ? gunzipSync(payload) : payload;
      expect(body.toString('utf8'), id).toContain(`Wire story ${id}`);
      if (n % 2 === 0)
        expect(responses.some((stored) => stored.warcHeaders.get('WARC-Target-URI') === largestPhotoOf(id))).toBe(true);
    }

    // A post is deleted; the third machine's recheck asks about each post once and updates every document.
    machines.upstream.setPostState(posts[0]!, 'deleted');
    const recheck = await runCli(['recheck', '--older-than', '0s'], { env: third });
    expect([recheck.code, recheck.stderr]).toEqual([0, '']);
    expect(recheck.stdout).toMatch(/rechecked 4 targets: 32 citations in 8 documents\n$/);
    for (const id of posts) expect(machines.syndicationRequests(id)).toBe(2);
    const changes = await runCli(['changes', '--json'], { env: third });
    expect([changes.code, changes.stderr]).toEqual([0, '']);
    const listed = changes.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(listed.map(({ docId, citationId, from, to }) => ({ docId, citationId, from, to }))).toEqual(
      Array.from({ length: 8 }, (_, n) => ({
        docId: `burst-${n}`,
        citationId: `post:${posts[0]}`,
        from: 'archived',
        to: 'deleted',
      })),
    );
    // The recheck's own captures went to the bucket too, before the records named them.
    expect(await warcFilesOn(machines, 'machine-c')).toEqual([]);
    expect(await bucketNames()).toEqual(expect.arrayContaining(await filesNamedInDatabase()));
    await referencedResponses(docIds);
  });

  it('a worker SIGKILLed mid-job is taken over on another machine: its unstored files are never pointed at, and putting them up later changes nothing', async () => {
    const { queue, events } = queueSide.fleet;
    const { site, workerOn } = queueSide;
    machines.upstream.addShortLink('fast', 'https://news.test/story');
    machines.upstream.addPage('https://news.test/story', {
      body: '<html><head><title>Story</title></head><body>s</body></html>',
    });
    machines.upstream.addShortLink('slow', 'http://site.news.test/held');
    machines.upstream.addShortLink('late', 'http://late.news.test/held-too');
    // No file closes by age while the site is held: what the kill leaves in the outbox is up to the test.
    const doomed = workerOn('machine-a', { CITESNAP_WARC_ROLL_AFTER: '10m' });
    await doomed.event('worker.started');
    site.holding = true;
    const held = site.nextRequest();
    const halfWay = await queue.add(
      JOB.archive,
      { docId: 'half-way', source: { html: '<p>One https://t.co/fast and one https://t.co/slow</p>' } },
      archiveJobOptions('half-way'),
    );
    expect(await held).toBe('/held');
    // The fast link's outcome is in the database only once the file of its captures is in the bucket.
    const fast = await waitForTarget(machines, 'link:https://t.co/fast');
    const fastFiles = warcLocationsIn(fast).map((location) => warcStoreName(location.file));
    expect(fastFiles.length).toBeGreaterThan(0);
    expect(await bucketNames()).toEqual(expect.arrayContaining(fastFiles));

    // A second job begins after that file went up: t.co's answer for it goes into a new
    // file, noted in the check's journal, and the kill leaves that file in the outbox.
    const heldToo = site.nextRequest();
    const late = await queue.add(
      JOB.archive,
      { docId: 'late', source: { html: '<p>Later https://t.co/late</p>' } },
      archiveJobOptions('late'),
    );
    expect(await heldToo).toBe('/held-too');
    doomed.child.kill('SIGKILL');
    expect(await doomed.exited).toBe('SIGKILL');

    const journalFiles = async (targetKey: string) =>
      machines.withDatabase(async (store) => {
        const journal: CheckJournalEntry | undefined = await store.journals.get(`journal:${targetKey}`);
        return (journal?.outcome.answers ?? []).map((answer) => warcStoreName(answer.recorded.warc.file));
      });
    const [leftover, ...others] = await readdir(outboxFolder(machines.dataDir('machine-a')));
    expect(others).toEqual([]);
    expect(await journalFiles('link:https://t.co/late')).toEqual([leftover]);
    const storedAtKill = await bucketNames();
    expect(storedAtKill).not.toContain(leftover);
    // Nothing in the database but the journal points at it: records and index entries name stored files only.
    expect(storedAtKill).toEqual(expect.arrayContaining(await filesNamedInDatabase()));
    // The slow link's answer went into the fast link's file, or into the leftover: which, decides below whether machine B can replay it.
    const [slowFile] = await journalFiles('link:https://t.co/slow');
    expect(slowFile).toBeDefined();

    site.releaseAll();
    const rescuer = workerOn('machine-b');
    await Promise.all([halfWay.waitUntilFinished(events), late.waitUntilFinished(events)]);
    for (const job of [halfWay, late]) {
      await rescuer.event('job.completed', (line) => line.jobId === job.id);
      expect((await Job.fromId(queue, job.id!))?.attemptsMade).toBe(1);
    }
    const docIds = ['half-way', 'late'];
    const before = await databaseContents(docIds);
    expect(before.records.map((record) => [record.docId, record.citations.map((citation) => citation.status)])).toEqual(
      [
        ['half-way', ['archived', 'archived']],
        ['late', ['archived']],
      ],
    );
    // Machine B reused the fast link's outcome and replayed what it could read from the
    // bucket; what was only in machine A's outbox it asked again.
    expect(shortLinkRequests('fast')).toBe(1);
    expect(machines.upstream.requestCount('news.test')).toBe(1);
    expect(shortLinkRequests('slow')).toBe(storedAtKill.includes(slowFile ?? '') ? 1 : 2);
    expect(shortLinkRequests('late')).toBe(2);
    const named = await filesNamedInDatabase();
    expect(named).not.toContain(leftover);
    expect(await bucketNames()).toEqual(expect.arrayContaining(named));
    const referenced = await referencedResponses(docIds);
    expect(referenced.duplicated).toBe(0);
    // The three links' pages, each captured once (a redirect's answer is a hop, not a capture).
    expect(referenced.responses).toBe(3);

    // A third machine exports the taken-over documents from the bucket: each page with
    // t.co's answer that led to it, wherever that went (machine A's file, replayed, or
    // an earlier file of machine B's than the page's, asked again).
    for (const [docId, pages] of [
      ['half-way', ['https://t.co/fast', 'https://news.test/story', 'https://t.co/slow', 'http://site.news.test/held']],
      ['late', ['https://t.co/late', 'http://late.news.test/held-too']],
    ] as const) {
      const out = join(machines.work, `${docId}.wacz`);
      const exported = await runCli(['export', docId, '--out', out], { env: machines.machine('machine-c') });
      expect([exported.code, exported.stderr], docId).toEqual([0, '']);
      const entries = await readWacz(await readFile(out));
      const lines = parseCdxj(entryText(entries, 'indexes/index.cdxj'));
      expect(lines.map((line) => line.url)).toEqual(expect.arrayContaining([...pages]));
      for (const line of lines) expect((await recordAt(entries, line)).targetUri).toBe(line.url);
    }

    // Machine A starts again: its leftover goes up under its own name and changes nothing.
    const restarted = workerOn('machine-a');
    await restarted.event('worker.started');
    expect(await warcFilesOn(machines, 'machine-a')).toEqual([]);
    expect(await bucketNames()).toContain(leftover);
    expect(await databaseContents(docIds)).toEqual(before);
    expect(await referencedResponses(docIds)).toEqual(referenced);
    // The bucket now holds t.co's answer for the late link twice: machine A's, which no
    // record or index entry names, and machine B's, which the late link's check ended with.
    const everything = await bucketResponses();
    expect(everything.duplicates.map(([key]) => key.split(' ')[0])).toContain('https://t.co/late');
  });
});
