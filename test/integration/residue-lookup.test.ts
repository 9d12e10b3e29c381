import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readResponseRecord } from '../../src/capture/warc-reader.js';
import { recheckDocument } from '../../src/pipeline/index.js';
import type { Citation, DocumentRecord } from '../../src/model/index.js';
import { FakeUpstream, snowflakeIdAt } from '../support/fake-upstream/index.js';
import { addExamplePosts, CITY_ID, DGSN_ID, SUDINFO_ID } from '../support/example-posts.js';
import {
  addResiduePosts,
  ALTERED,
  ALTERED_TEXT,
  ARTICLE,
  DELETED,
  DELETED_TEXT,
  EDITED,
  EDITED_FIRST,
  POLICE,
  RIGHT,
  SAME_DAY,
  TWINS,
} from '../support/residue-posts.js';
import { startPipeline, type PipelineHarness } from '../support/pipeline-harness.js';
import { runCli } from '../support/run-cli.js';
import { expectEveryWarcRecordValid } from '../support/warc-records.js';

function byId(record: DocumentRecord, id: string): Citation {
  const citation = record.citations.find((candidate) => candidate.id === id);
  if (!citation) throw new Error(`no citation ${id} in ${record.citations.map((c) => c.id).join(', ')}`);
  return citation;
}

function unidentifiedBy(record: DocumentRecord, handle: string): Citation {
  const citation = record.citations.find((candidate) => candidate.post?.embed?.handle === handle);
  if (!citation) throw new Error(`no citation of @${handle}`);
  return citation;
}

function cdxRequests(upstream: FakeUpstream): string[] {
  return upstream.requests
    .filter((request) => request.host === 'web.archive.org' && request.path.startsWith('/cdx/'))
    .map((request) => new URL(request.path, 'https://web.archive.org').searchParams.get('url') ?? '');
}

describe('identifying residues through the Wayback CDX', () => {
  let upstream: FakeUpstream;
  let harness: PipelineHarness;
  let record: DocumentRecord;

  beforeAll(async () => {
    upstream = await FakeUpstream.start();
    addResiduePosts(upstream);
    harness = await startPipeline(upstream);
    record = await harness.archive({ text: ARTICLE }, 'residues');
  });

  afterAll(async () => {
    await harness.close();
    await upstream.close();
  });

  it('tells a residue among same-day posts of one account apart by its text alone', () => {
    const citation = byId(record, `post:${RIGHT}`);
    expect(citation).toMatchObject({
      status: 'archived',
      post: { id: RIGHT, handle: POLICE, identifiedBy: 'wayback-cdx', quote: { verdict: 'verbatim' } },
    });
    expect(citation.post?.quote?.similarity).toBe(1);
    // None of the other posts became a citation.
    expect(
      record.citations.filter((other) => other.post?.handle === POLICE && other.status !== 'unidentified'),
    ).toHaveLength(1);
  });

  it('finds a deleted post that the Wayback Machine kept: deleted, with its Wayback capture and the text it kept', async () => {
    const citation = byId(record, `post:${DELETED}`);
    expect(citation).toMatchObject({
      status: 'deleted',
      capture: { via: 'wayback' },
      post: {
        id: DELETED,
        identifiedBy: 'wayback-cdx',
        text: DELETED_TEXT,
        quote: { verdict: 'verbatim', similarity: 1 },
      },
    });
    const stored = await readResponseRecord(harness.dataDir, citation.capture!.warc);
    expect(stored.targetUri).toBe(
      `https://web.archive.org/web/20240110120000id_/https://twitter.com/townbank/status/${DELETED}`,
    );
    expect(Buffer.from(stored.payload).toString('utf8')).toContain(`"id_str":"${DELETED}"`);
  });

  it('identifies an altered quote by its own t.co link and says it differs from the post', () => {
    const citation = byId(record, `post:${ALTERED}`);
    expect(citation).toMatchObject({
      status: 'archived',
      post: { identifiedBy: 'wayback-cdx', text: `${ALTERED_TEXT} https://t.co/AltR3d0ne` },
    });
    expect(['close', 'differs']).toContain(citation.post?.quote?.verdict);
    expect(citation.post?.quote?.verdict).toBe('close');
    expect(citation.post?.quote?.similarity).toBeLessThan(1);
    expect(byId(record, 'tco:AltR3d0ne').parent).toBe(`post:${ALTERED}`);
  });

  it('leaves a residue of an account the CDX does not know unidentified, with no candidates, a check and the reason', () => {
    const citation = unidentifiedBy(record, 'nobody_archived');
    expect(citation.status).toBe('unidentified');
    expect(citation.post?.candidates).toEqual([]);
    expect(citation.checks).toHaveLength(1);
    expect(citation.checks[0]?.status).toBe('unidentified');
    expect(citation.error?.message).toMatch(/^no-cdx-rows: /);
  });

  it('will not choose between two posts whose texts are too close to call, and lists both with their scores', () => {
    const citation = unidentifiedBy(record, 'highways_x');
    expect(citation.status).toBe('unidentified');
    expect(citation.error?.message).toMatch(/^too-close-to-call: /);
    expect(citation.post?.candidates?.map((candidate) => candidate.id).sort()).toEqual([...TWINS].sort());
    expect(citation.post?.candidates?.every((candidate) => candidate.score === 1)).toBe(true);
  });

  it('says when the CDX knows posts of the account but none of that day, and when none is close enough', () => {
    const other = record.citations.find((citation) => citation.post?.embed?.date === '2024-02-20');
    expect(other?.status).toBe('unidentified');
    expect(other?.error?.message).toMatch(/^none-close-enough: /);
    expect(other?.post?.candidates).toHaveLength(1);
    expect(other?.post?.candidates?.[0]?.score).toBeLessThan(0.85);
  });

  it('records the versions of a post edited after it was published', () => {
    expect(byId(record, `post:${EDITED}`).post).toMatchObject({
      identifiedBy: 'wayback-cdx',
      editIds: [EDITED_FIRST, EDITED],
      quote: { verdict: 'verbatim' },
    });
  });

  it('asks the CDX once for each handle and date, in both URL forms, and keeps every answer in the WARC files', async () => {
    const asked = cdxRequests(upstream);
    expect(asked).toHaveLength(2 * 7);
    expect(new Set(asked).size).toBe(asked.length);
    expect(asked.filter((url) => url.startsWith(`twitter.com/${POLICE}/`))).toHaveLength(2);
    const records = await expectEveryWarcRecordValid(harness.dataDir);
    const archived = records
      .filter((stored) => stored.type === 'response')
      .map((stored) => stored.warcHeaders.get('WARC-Target-URI'));
    expect(archived.filter((uri) => uri?.startsWith('https://web.archive.org/cdx/'))).toHaveLength(asked.length);
    expect(archived).toHaveLength(upstream.requestCount());
  });

  it('reuses the lookups for another document within the refresh window: no CDX request', async () => {
    const before = cdxRequests(upstream).length;
    const again = await harness.archive(
      { text: `Quoted again.\n\n${SAME_DAY[RIGHT]} — DGSN (@${POLICE}) March 5, 2024\n` },
      'again',
    );
    expect(cdxRequests(upstream).length).toBe(before);
    expect(again.citations[0]).toMatchObject({
      id: `post:${RIGHT}`,
      status: 'archived',
      post: { identifiedBy: 'wayback-cdx' },
    });
  });
});

describe('the Wayback Machine slowing citesnap down', () => {
  let upstream: FakeUpstream;
  let harness: PipelineHarness;
  const id = snowflakeIdAt('2024-03-05T10:15:00Z', 1);
  const text = 'A post that the article quotes in full, word for word, as the account wrote it.';
  const article = `${text} — Account (@slow_account) March 5, 2024\n`;

  beforeAll(async () => {
    upstream = await FakeUpstream.start();
    upstream.addPost({ id, handle: 'slow_account', name: 'Account', text });
    upstream.addWaybackCopy(id, { timestamp: '20240306000000' });
    harness = await startPipeline(upstream);
  });

  afterAll(async () => {
    await harness.close();
    await upstream.close();
  });

  it('waits out a 429 and then identifies the post', async () => {
    upstream.failNext('web.archive.org', [429], { retryAfter: '0' });
    const record = await harness.archive({ text: article }, 'slow-once');
    expect(record.citations[0]).toMatchObject({ id: `post:${id}`, status: 'archived' });
    expect(
      upstream.requests.filter((request) => request.host === 'web.archive.org').map((request) => request.status),
    ).toEqual([429, 200, 200]);
  });

  it('keeps the document when the CDX goes on refusing: unidentified, RATE_LIMITED in its check, and asked again next time', async () => {
    upstream.reset();
    upstream.addPost({ id, handle: 'slow_account', name: 'Account', text });
    upstream.addWaybackCopy(id, { timestamp: '20240306000000' });
    const otherDay = article.replace('March 5', 'March 6');
    upstream.failNext('web.archive.org', [429, 429, 429], { retryAfter: '0' });
    const refused = await harness.archive({ text: otherDay }, 'slow-always');
    expect(refused.citations[0]).toMatchObject({
      status: 'unidentified',
      error: { code: 'RATE_LIMITED' },
      post: { candidates: [] },
    });
    expect(refused.citations[0]?.checks.at(-1)).toMatchObject({ status: 'unidentified', error: 'RATE_LIMITED' });
    expect(refused.citations[0]?.error?.message).toMatch(/^cdx-failed: /);
    const later = await harness.archive({ text: otherDay }, 'slow-always');
    expect(later.citations[0]).toMatchObject({
      id: `post:${id}`,
      status: 'archived',
      post: { identifiedBy: 'wayback-cdx' },
    });
  });
});

describe('retrying an unidentified residue', () => {
  it('finds the post once the Wayback Machine has it and the earlier lookup is past the refresh window', async () => {
    const upstream = await FakeUpstream.start();
    const id = snowflakeIdAt('2024-03-05T10:15:00Z', 1);
    const text = 'A post the Wayback Machine did not have yet when the article was first archived.';
    upstream.addPost({ id, handle: 'late_archived', name: 'Late', text });
    // A refresh window of 0: no lookup is reused, as after a day with the default.
    const harness = await startPipeline(upstream, { CITESNAP_REFRESH_AFTER: '0s' });
    try {
      const first = await harness.archive({ text: `${text} — Late (@late_archived) March 5, 2024\n` }, 'late');
      expect(first.citations[0]).toMatchObject({ status: 'unidentified', post: { candidates: [] } });
      expect(first.citations[0]?.error?.message).toMatch(/^no-cdx-rows: /);
      upstream.addWaybackCopy(id, { timestamp: '20240310000000' });
      const retried = await recheckDocument(
        'late',
        (citation) => citation.status === 'unidentified',
        harness.pipeline.ports,
      );
      expect(retried?.record.citations).toHaveLength(1);
      const found = retried?.record.citations[0];
      expect(found).toMatchObject({
        id: `post:${id}`,
        status: 'archived',
        post: { identifiedBy: 'wayback-cdx', quote: { verdict: 'verbatim' } },
      });
      expect(found?.post?.candidates).toBeUndefined();
      expect(found?.error).toBeUndefined();
      // The history of the citation is kept: the failed lookup, then the capture.
      expect(found?.checks.map((check) => check.status)).toEqual(['unidentified', 'archived']);
    } finally {
      await harness.close();
      await upstream.close();
    }
  });
});

describe('a trailer without a readable date', () => {
  it('gets no lookup by time, and the record says so', async () => {
    const upstream = await FakeUpstream.start();
    const harness = await startPipeline(upstream);
    try {
      const html =
        '<blockquote class="twitter-tweet"><p>Some words.</p>&mdash; Someone (@someone) <a href="https://example.com/">sometime</a></blockquote>';
      const record = await harness.archive({ html }, 'no-date');
      const embed = record.citations.find((citation) => citation.type === 'post');
      expect(embed).toMatchObject({ status: 'unidentified', post: { candidates: [] } });
      expect(embed?.error?.message).toMatch(/^no-date: /);
      expect(upstream.requests.filter((request) => request.host === 'web.archive.org')).toEqual([]);
    } finally {
      await harness.close();
      await upstream.close();
    }
  });
});

describe('the example article as text, on the command line', () => {
  it('yields its three posts identified and archived, each with how it was found and a verbatim quote', async () => {
    const upstream = await FakeUpstream.start();
    const work = await mkdtemp(join(tmpdir(), 'citesnap-residue-cli-'));
    try {
      addExamplePosts(upstream);
      const article = fileURLToPath(new URL('../../examples/casablanca-extortion-2023-11.txt', import.meta.url));
      const result = await runCli(['archive', '--json', '--no-sidecar', article], {
        env: { ...upstream.env, CITESNAP_DATA_DIR: join(work, 'data') },
      });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const record = JSON.parse(result.stdout) as DocumentRecord;
      const posts = record.citations.filter((citation) => citation.type === 'post');
      expect(
        posts.map((citation) => [
          citation.id,
          citation.status,
          citation.post?.identifiedBy,
          citation.post?.quote?.verdict,
        ]),
      ).toEqual([
        [`post:${DGSN_ID}`, 'archived', 'media-link', 'verbatim'],
        [`post:${SUDINFO_ID}`, 'archived', 'wayback-cdx', 'verbatim'],
        [`post:${CITY_ID}`, 'archived', 'wayback-cdx', 'verbatim'],
      ]);
    } finally {
      await upstream.close();
      await rm(work, { recursive: true, force: true });
    }
  });
});
