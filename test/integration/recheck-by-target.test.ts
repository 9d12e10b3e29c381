import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentRecord } from '../../src/model/index.js';
import { FakeUpstream } from '../support/fake-upstream/index.js';
import { runCli } from '../support/run-cli.js';

const ALIVE = '1729000000000000101';
const DOOMED = '1729000000000000202';
const DOCUMENTS = 60;

/**
 * Contract section 10 from the command line: 60 articles cite the same two posts; one
 * post is deleted; a recheck asks about each post once and every record reads the
 * new status, and `changes` lists the 60 transitions.
 */
describe('a recheck by target', () => {
  let upstream: FakeUpstream;
  let work: string;
  let env: Record<string, string>;
  const files: string[] = [];

  beforeAll(async () => {
    upstream = await FakeUpstream.start();
    upstream.addPost({ id: ALIVE, handle: 'alive', name: 'Alive', text: 'Still here' });
    upstream.addPost({ id: DOOMED, handle: 'doomed', name: 'Doomed', text: 'Soon gone' });
    work = await mkdtemp(join(tmpdir(), 'citesnap-recheck-'));
    env = { ...upstream.env, CITESNAP_DATA_DIR: join(work, 'data') };
    for (let n = 0; n < DOCUMENTS; n++) {
      const file = join(work, `article-${String(n).padStart(2, '0')}.txt`);
      await writeFile(
        file,
        `Article ${n} cites https://x.com/alive/status/${ALIVE} and https://twitter.com/doomed/status/${DOOMED}.\n`,
      );
      files.push(file);
    }
  });

  afterAll(async () => {
    await upstream.close();
    await rm(work, { recursive: true, force: true });
  });

  async function readRecord(docId: string): Promise<DocumentRecord> {
    return JSON.parse(await readFile(join(work, 'data', 'documents', `${docId}.json`), 'utf8')) as DocumentRecord;
  }

  function requestsSince(mark: number): string[] {
    return upstream.requests
      .slice(mark)
      .map(
        (request) =>
          `${request.host} ${request.status} ${request.path.includes(ALIVE) ? 'alive' : request.path.includes(DOOMED) ? 'doomed' : request.path}`,
      );
  }

  it('archives the 60 articles several at a time, printing in the order of the sources, each post fetched once', async () => {
    const result = await runCli(['archive', '--no-sidecar', ...files], {
      env: { ...env, CITESNAP_DOCUMENT_CONCURRENCY: '8' },
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.map((line) => line.split(':')[0])).toEqual(
      files.map((_, n) => `article-${String(n).padStart(2, '0')}`),
    );
    expect(lines.every((line) => line.includes('2 citations (2 archived)'))).toBe(true);
    expect(requestsSince(0).sort()).toEqual([
      'cdn.syndication.twimg.com 200 alive',
      'cdn.syndication.twimg.com 200 doomed',
    ]);
  });

  it('asks about each post once after one is deleted, updates all 60 records, and lists the 60 changes', async () => {
    upstream.setPostState(DOOMED, 'deleted');
    const mark = upstream.requests.length;
    const result = await runCli(['recheck', '--older-than', '0s'], { env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\nrechecked 2 targets: 120 citations in 60 documents\n$/);
    // One request for the live post; for the deleted one what the agreement rule needs
    // (syndication 404, then oEmbed 404) and the Wayback lookup that follows.
    const requests = requestsSince(mark);
    expect(requests.filter((line) => line.endsWith(' alive'))).toEqual(['cdn.syndication.twimg.com 200 alive']);
    expect(requests.filter((line) => line.startsWith('cdn.syndication.twimg.com'))).toHaveLength(2);
    expect(requests.filter((line) => line.startsWith('publish.twitter.com'))).toEqual([
      'publish.twitter.com 404 doomed',
    ]);
    expect(requests.filter((line) => line.startsWith('cdn.syndication.twimg.com') && line.endsWith('doomed'))).toEqual([
      'cdn.syndication.twimg.com 404 doomed',
    ]);

    for (let n = 0; n < DOCUMENTS; n++) {
      const record = await readRecord(`article-${String(n).padStart(2, '0')}`);
      const doomed = record.citations.find((citation) => citation.id === `post:${DOOMED}`);
      expect(doomed?.status).toBe('deleted');
      expect(doomed?.checks.map((check) => check.status)).toEqual(['archived', 'deleted']);
      // the capture made while it was up stays
      expect(doomed?.capture?.via).toBe('syndication');
      expect(
        record.citations.find((citation) => citation.id === `post:${ALIVE}`)?.checks.map((check) => check.status),
      ).toEqual(['archived', 'archived']);
    }

    const changes = await runCli(['changes', '--since', '1h', '--json'], { env });
    expect(changes.code).toBe(0);
    const listed = changes.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(listed).toHaveLength(DOCUMENTS);
    expect(new Set(listed.map((change) => change.docId)).size).toBe(DOCUMENTS);
    for (const change of listed) {
      expect(Object.keys(change)).toEqual(['at', 'docId', 'citationId', 'url', 'from', 'to']);
      expect(change).toMatchObject({
        citationId: `post:${DOOMED}`,
        url: `https://x.com/doomed/status/${DOOMED}`,
        from: 'archived',
        to: 'deleted',
      });
    }
    const readable = await runCli(['changes', '--status', 'deleted'], { env });
    expect(readable.stdout.split('\n')[0]).toMatch(
      new RegExp(
        `^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z article-\\d\\d post:${DOOMED} archived -> deleted https://x\\.com/doomed/status/${DOOMED}$`,
      ),
    );
    expect((await runCli(['changes', '--status', 'archived'], { env })).stdout).toBe('');
  });

  it('finds nothing due on the widening schedule right after: a change is confirmed a day later', async () => {
    const mark = upstream.requests.length;
    const widening = await runCli(['recheck'], { env });
    expect(widening.stdout).toBe('rechecked 0 targets: 0 citations in 0 documents\n');
    expect(requestsSince(mark)).toEqual([]);
  });

  it('reindex rebuilds the reverse index and the change log from the records', async () => {
    for (const suffix of ['', '-wal', '-shm']) await rm(join(work, 'data', `index.sqlite${suffix}`), { force: true });
    const result = await runCli(['reindex'], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`reindexed ${DOCUMENTS} documents: 2 targets, ${DOCUMENTS} status changes\n`);
    const changes = await runCli(['changes', '--since', '1h', '--json'], { env });
    expect(changes.stdout.trimEnd().split('\n')).toHaveLength(DOCUMENTS);
  });

  it('refuses a bad --since or --status with exit 2', async () => {
    const since = await runCli(['changes', '--since', 'yesterday'], { env });
    expect(since.code).toBe(2);
    expect(since.stderr).toMatch(/^citesnap: --since: expected a duration/);
    const status = await runCli(['changes', '--status', 'gone'], { env });
    expect(status.code).toBe(2);
    expect(status.stderr).toBe(
      'citesnap: --status: expected one of archived, deleted, suspended, protected, unavailable, unidentified, dead, blocked, failed, got "gone"\n',
    );
  });
});
