import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Job } from 'bullmq';
import { describe, expect, it } from 'vitest';
import type { DocumentRecord } from '../../src/model/index.js';
import { readMigrations } from '../../src/store-pg/migrate.js';
import { archiveJobOptions, JOB } from '../../workers/queues.js';
import { snowflakeIdAt } from '../support/fake-upstream/index.js';
import { createTestDatabase } from '../support/postgres.js';
import { runCli } from '../support/run-cli.js';
import { spawnQueueCli } from '../workers/support/processes.js';
import { useQueueOnMachines, useSharedMachines, waitForTarget } from './support/machines.js';

// Contract section 12 as an operator meets it: processes that share one PostgreSQL (and
// Redis) but not a data dir, as on machines of their own. Each run uses `citesnap`
// itself (the built bin) or a worker process, never the store in-process. The same
// with an S3 bucket as the WARC store: many-machines-s3.test.ts.

const machines = useSharedMachines({ label: 'machines' });
const { machine, syndicationRequests, recordFromDatabase } = machines;

describe('machines sharing one PostgreSQL', () => {
  it('migrate run by two processes at once succeeds, and applies the schema once', async () => {
    const fresh = await createTestDatabase('migrate_cli');
    try {
      const env = { CITESNAP_DATABASE_URL: fresh.url };
      const results = await Promise.all([runCli(['migrate'], { env }), runCli(['migrate'], { env })]);
      expect(results.map((result) => [result.code, result.stderr])).toEqual([
        [0, ''],
        [0, ''],
      ]);
      const outputs = results.map((result) => result.stdout).sort();
      const shipped = await readMigrations();
      const applied = `applied ${shipped.map((migration) => migration.name).join(', ')} (now version ${shipped.length})`;
      expect(outputs.filter((output) => output.includes(applied))).toHaveLength(1);
      expect(outputs.filter((output) => output.includes(`schema up to date (version ${shipped.length})`))).toHaveLength(
        1,
      );
    } finally {
      await fresh.drop();
    }
  });

  it('two archive processes on different data dirs capture each shared post once; a third shows, rechecks and lists changes', async () => {
    const shared = Array.from({ length: 6 }, (_, n) => snowflakeIdAt('2026-10-01T00:00:00Z', n));
    for (const id of shared)
      machines.upstream.addPost({ id, handle: 'newsdesk', name: 'News Desk', text: `Post ${id}` });
    const article = (name: string) =>
      shared.map((id) => `See https://x.com/newsdesk/status/${id} (${name}).`).join('\n\n');
    await writeFile(join(machines.work, 'north.txt'), article('north'));
    await writeFile(join(machines.work, 'south.txt'), article('south'));

    const [north, south] = await Promise.all([
      runCli(['archive', join(machines.work, 'north.txt')], { env: machine('machine-a') }),
      runCli(['archive', join(machines.work, 'south.txt')], { env: machine('machine-b') }),
    ]);
    expect([north.code, north.stderr, south.code, south.stderr]).toEqual([0, '', 0, '']);
    expect(north.stdout).toMatch(/^north: 6 citations \(6 archived\) -> postgres:\/\/.*\(documents: north\)\n$/);
    // One capture a post across both machines: the first asked, the other reused its check.
    for (const id of shared) expect(syndicationRequests(id)).toBe(1);

    // A third machine, with an empty data dir of its own, sees both documents.
    const third = machine('machine-c');
    const shown = await runCli(['show', 'south'], { env: third });
    expect(shown.code).toBe(0);
    const southRecord = JSON.parse(shown.stdout) as DocumentRecord;
    expect(southRecord.citations.map((citation) => citation.status)).toEqual(Array(6).fill('archived'));
    const northRecord = await recordFromDatabase('north');
    expect(southRecord.citations.map((citation) => citation.capture)).toEqual(
      northRecord?.citations.map((citation) => citation.capture),
    );

    // One post is deleted; a recheck from the third machine asks about each post once and updates both documents.
    machines.upstream.setPostState(shared[0]!, 'deleted');
    const recheck = await runCli(['recheck', '--older-than', '0s'], { env: third });
    expect(recheck.stderr).toBe('');
    expect(recheck.stdout).toMatch(/rechecked 6 targets: 12 citations in 2 documents\n$/);
    for (const id of shared) expect(syndicationRequests(id)).toBe(2);
    const changes = await runCli(['changes', '--json'], { env: machine('machine-a') });
    expect(changes.code).toBe(0);
    const listed = changes.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(listed.map(({ docId, citationId, from, to }) => ({ docId, citationId, from, to }))).toEqual(
      ['north', 'south'].map((docId) => ({ docId, citationId: `post:${shared[0]}`, from: 'archived', to: 'deleted' })),
    );
    const deleted = (await recordFromDatabase('north'))?.citations[0];
    expect(deleted?.status).toBe('deleted');
    expect(deleted?.capture).toEqual(northRecord?.citations[0]?.capture);
  });

  it('import loads a data dir made without the database, its records and article texts, so that show finds its documents; again, it changes nothing', async () => {
    const id = snowflakeIdAt('2026-09-01T00:00:00Z');
    machines.upstream.addPost({ id, handle: 'archivist', name: 'Archivist', text: 'From before the database' });
    await writeFile(join(machines.work, 'old.txt'), `As said in https://twitter.com/archivist/status/${id}`);
    const oldDataDir = join(machines.work, 'one-machine');
    const archived = await runCli(['archive', join(machines.work, 'old.txt')], {
      env: { ...machines.upstream.env, CITESNAP_DATA_DIR: oldDataDir },
    });
    expect(archived.code).toBe(0);
    const original = JSON.parse(await readFile(join(oldDataDir, 'documents', 'old.json'), 'utf8')) as DocumentRecord;

    const env = machine('machine-d');
    expect((await runCli(['migrate'], { env })).code).toBe(0);
    const before = await runCli(['show', 'old'], { env });
    expect([before.code, before.stderr]).toEqual([
      2,
      expect.stringMatching(/^citesnap: show: no record for doc id "old" in postgres:\/\//),
    ]);
    const imported = await runCli(['import', oldDataDir], { env });
    expect(imported.stderr).toBe('');
    expect(imported.stdout).toMatch(
      /^imported 1 document \(0 already there\), 1 target index entry into postgres:\/\//,
    );
    const shown = await runCli(['show', 'old'], { env });
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toEqual(original);
    // The article's text came along, for serve to mark its citations in.
    const text = await machines.withDatabase(async (store) => store.sources?.read(original.source.sha256));
    expect(text).toBe(`As said in https://twitter.com/archivist/status/${id}`);
    const again = await runCli(['import', oldDataDir], { env });
    expect(again.stdout).toMatch(/^imported 0 documents \(1 already there\), 0 target index entries into /);

    // The imported target index serves the next archive: the post is not asked again within the refresh window.
    await writeFile(join(machines.work, 'new.txt'), `Again https://x.com/archivist/status/${id}`);
    expect((await runCli(['archive', join(machines.work, 'new.txt')], { env })).code).toBe(0);
    expect(syndicationRequests(id)).toBe(1);
    const missing = await runCli(['import', join(machines.work, 'nowhere')], { env });
    expect([missing.code, missing.stderr]).toEqual([
      2,
      `citesnap: import: ${join(machines.work, 'nowhere')}: no such folder (expected a citesnap data dir)\n`,
    ]);
  });
});

describe('workers on two machines sharing one PostgreSQL and one Redis', () => {
  const queueSide = useQueueOnMachines(machines);
  const { workerOn } = queueSide;

  it('a worker SIGKILLed mid-job is taken over by one on another machine, nothing lost or fetched twice', async () => {
    const { queue, events } = queueSide.fleet;
    const { site } = queueSide;
    machines.upstream.addShortLink('fast', 'https://news.test/story');
    machines.upstream.addPage('https://news.test/story', {
      body: '<html><head><title>Story</title></head><body>s</body></html>',
    });
    machines.upstream.addShortLink('slow', 'http://site.news.test/held');
    const doomed = workerOn('machine-a');
    await doomed.event('worker.started');
    site.holding = true;
    const held = site.nextRequest();
    const html = '<p>One https://t.co/fast and one https://t.co/slow</p>';
    const job = await queue.add(JOB.archive, { docId: 'half-way', source: { html } }, archiveJobOptions('half-way'));
    expect(await held).toBe('/held');
    // Killed once the fast link's check is in the database, while the slow one hangs.
    await waitForTarget(machines, 'link:https://t.co/fast');
    // The dead worker holds the document's lock in the database until its lease runs out.
    expect(
      await machines.withDatabase((store) =>
        store.database.query('SELECT claim_key FROM claims WHERE claim_key = $1', ['document:half-way']),
      ),
    ).toHaveLength(1);
    doomed.child.kill('SIGKILL');
    await doomed.exited;

    site.releaseAll();
    const rescuer = workerOn('machine-b');
    await job.waitUntilFinished(events);
    await rescuer.event('job.completed', (line) => line.jobId === job.id);
    expect((await Job.fromId(queue, job.id!))?.attemptsMade).toBe(1);
    const record = await recordFromDatabase('half-way');
    expect(record?.citations.map((citation) => [citation.id, citation.status])).toEqual([
      ['tco:fast', 'archived'],
      ['tco:slow', 'archived'],
    ]);
    // The fast link was fetched once, on machine A; machine B reused its check from the database.
    expect(
      machines.upstream.requests.filter((request) => request.host === 't.co' && request.path === '/fast'),
    ).toHaveLength(1);
    expect(machines.upstream.requestCount('news.test')).toBe(1);
    expect(record?.citations[0]?.checks).toHaveLength(1);
  });

  it('two workers on different data dirs capture each target of a burst once (citesnap worker)', async () => {
    const { queue, events } = queueSide.fleet;
    const posts = Array.from({ length: 4 }, (_, n) => snowflakeIdAt('2026-08-01T00:00:00Z', n));
    for (const id of posts) machines.upstream.addPost({ id, handle: 'wire', name: 'Wire', text: `Wire ${id}` });
    const workers = ['machine-a', 'machine-b'].map((name) =>
      machines.track(spawnQueueCli(['worker', '--concurrency', '3'], queueSide.queueEnv(name))),
    );
    await Promise.all(workers.map((child) => child.event('worker.started')));
    const jobs = await Promise.all(
      Array.from({ length: 8 }, (_, n) =>
        queue.add(
          JOB.archive,
          { docId: `burst-${n}`, source: { text: posts.map((id) => `https://x.com/wire/status/${id}`).join('\n') } },
          archiveJobOptions(`burst-${n}`),
        ),
      ),
    );
    await Promise.all(jobs.map((job) => job.waitUntilFinished(events)));
    for (const id of posts) expect(syndicationRequests(id)).toBe(1);
    const completedBy = new Set(
      workers
        .filter((child) => child.lines().some((line) => line.event === 'job.completed'))
        .map((child) => child.child.pid),
    );
    expect(completedBy.size).toBe(2);
    for (let n = 0; n < 8; n++)
      expect((await recordFromDatabase(`burst-${n}`))?.citations.map((citation) => citation.status)).toEqual(
        Array(4).fill('archived'),
      );
  });
});
