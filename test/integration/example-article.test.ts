import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readResponseRecord } from '../../src/capture/warc-reader.js';
import { recheckDocument } from '../../src/pipeline/index.js';
import type { Citation, DocumentRecord } from '../../src/model/index.js';
import { FakeUpstream } from '../support/fake-upstream/index.js';
import { addExamplePosts, CITY_ID, DGSN_ID, SUDINFO_ID } from '../support/example-posts.js';
import { startPipeline, type PipelineHarness } from '../support/pipeline-harness.js';
import { expectEveryWarcRecordValid } from '../support/warc-records.js';

function byId(record: DocumentRecord, id: string): Citation {
  const citation = record.citations.find((candidate) => candidate.id === id);
  if (!citation) throw new Error(`no citation ${id} in ${record.citations.map((c) => c.id).join(', ')}`);
  return citation;
}

describe('the example article, end to end', () => {
  let upstream: FakeUpstream;
  let harness: PipelineHarness;
  let text: string;
  let record: DocumentRecord;

  beforeAll(async () => {
    upstream = await FakeUpstream.start();
    addExamplePosts(upstream);
    harness = await startPipeline(upstream);
    text = await readFile(new URL('../../examples/casablanca-extortion-2023-11.txt', import.meta.url), 'utf8');
    record = await harness.archive({ text }, 'casablanca');
  });

  afterAll(async () => {
    await harness.close();
    await upstream.close();
  });

  it('identifies the DGSN residue through its photo link and captures the post and its photo', () => {
    const dgsn = byId(record, `post:${DGSN_ID}`);
    expect(dgsn).toMatchObject({
      type: 'post',
      status: 'archived',
      post: {
        platform: 'twitter',
        id: DGSN_ID,
        handle: 'DGSN_MAROC',
        authorName: 'DGSN MAROC',
        url: `https://x.com/DGSN_MAROC/status/${DGSN_ID}`,
        lang: 'ar',
        embed: { authorName: 'DGSN MAROC', handle: 'DGSN_MAROC', date: '2023-11-28', dateText: 'November 28, 2023' },
      },
      capture: { via: 'syndication' },
    });
    expect(dgsn.post?.createdAt).toBe('2023-11-28T17:37:15.002Z');
    // The residue and the pic.twitter.com link are both occurrences of the one post.
    expect(dgsn.occurrences.map((occurrence) => occurrence.form)).toEqual(['attribution', 'media-link']);
    expect(dgsn.occurrences[1]?.raw).toBe('pic.twitter.com/rdI6rg3QRE');
    expect(dgsn.link?.hops[0]).toMatchObject({ url: 'https://t.co/rdI6rg3QRE', status: 301, via: 'http' });
    expect(dgsn.link?.finalUrl).toBe(`https://twitter.com/DGSN_MAROC/status/${DGSN_ID}/photo/1`);
    expect(dgsn.post?.media).toHaveLength(1);
    expect(dgsn.post?.media[0]).toMatchObject({
      type: 'photo',
      url: 'https://pbs.twimg.com/media/GAB12cdXwAA3xyz?format=jpg&name=orig',
      capture: { via: 'media' },
    });
    expect(record.citations.some((citation) => citation.id === 'tco:rdI6rg3QRE')).toBe(false);
  });

  it('identifies the two residues without a link to their post through the Wayback CDX, by the t.co link they print', () => {
    for (const [id, handle, date] of [
      [SUDINFO_ID, 'sudinfo_be', '2023-11-27'],
      [CITY_ID, 'city_bruxelles', '2023-11-27'],
    ] as const) {
      const citation = byId(record, `post:${id}`);
      expect(citation).toMatchObject({
        type: 'post',
        status: 'archived',
        post: { id, handle, identifiedBy: 'wayback-cdx', embed: { handle, date } },
        capture: { via: 'syndication' },
      });
      expect(citation.post?.candidates).toBeUndefined();
      expect(citation.occurrences.map((occurrence) => occurrence.form)).toEqual(['attribution']);
      expect(citation.checks).toHaveLength(1);
      expect(citation.error).toBeUndefined();
    }
    // One CDX request for each URL form, for each handle and date.
    const cdx = upstream.requests.filter(
      (request) => request.host === 'web.archive.org' && request.path.startsWith('/cdx/'),
    );
    expect(
      cdx
        .map((request) =>
          new URL(request.path, 'https://web.archive.org').searchParams.get('url')?.replace(/\/status\/.*/, ''),
        )
        .sort(),
    ).toEqual(['twitter.com/city_bruxelles', 'twitter.com/sudinfo_be', 'x.com/city_bruxelles', 'x.com/sudinfo_be']);
  });

  it('says how each post was identified, and that the article quotes all three verbatim', () => {
    expect(byId(record, `post:${DGSN_ID}`).post?.identifiedBy).toBe('media-link');
    for (const id of [DGSN_ID, SUDINFO_ID, CITY_ID]) {
      const quote = byId(record, `post:${id}`).post?.quote;
      expect(quote?.verdict).toBe('verbatim');
      expect(quote?.similarity).toBeGreaterThanOrEqual(0.95);
    }
    expect(record.citations.filter((citation) => citation.status === 'unidentified')).toEqual([]);
  });

  it('reads the embeds of the HTML version by their status links, and checks their quotes too', async () => {
    const html = await readFile(new URL('../../examples/casablanca-extortion-2023-11.html', import.meta.url), 'utf8');
    const fromHtml = await harness.archive({ html }, 'casablanca-html');
    for (const id of [DGSN_ID, SUDINFO_ID, CITY_ID]) {
      expect(byId(fromHtml, `post:${id}`).post).toMatchObject({
        identifiedBy: 'status-link',
        quote: { verdict: 'verbatim' },
      });
    }
  });

  it('keeps every occurrence exactly located in the source', () => {
    for (const citation of record.citations) {
      for (const occurrence of citation.occurrences)
        expect(text.substr(occurrence.offset, occurrence.raw.length)).toBe(occurrence.raw);
    }
  });

  it('captures the links to articles as pages, with their metadata', () => {
    const sudinfo = byId(record, 'tco:Q558GooFYF');
    expect(sudinfo).toMatchObject({
      type: 'link',
      status: 'archived',
      link: {
        url: 'https://t.co/Q558GooFYF',
        finalUrl: 'https://sudinfo.example.com/alerte-a-la-bombe',
        httpStatus: 200,
        page: {
          title: 'Alerte à la bombe dans 27 écoles',
          siteName: 'Sudinfo',
          lang: 'fr',
          publishedAt: '2023-11-27T09:12:00+01:00',
        },
      },
      capture: { via: 'page' },
    });
    expect(sudinfo.link?.hops.map((hop) => [hop.status, hop.via])).toEqual([
      [301, 'http'],
      [200, 'http'],
    ]);
    expect(byId(record, 'tco:KNbFdafcns').link?.page?.title).toBe('Écoles fermées à Bruxelles');
    // The link sits in the residue of the post found in the Wayback Machine.
    expect(sudinfo.parent).toBe(`post:${SUDINFO_ID}`);
    expect(byId(record, 'tco:KNbFdafcns').parent).toBe(`post:${CITY_ID}`);
  });

  it('writes WARC records whose digests hold, the payload as it came off the wire', async () => {
    const captures = record.citations.flatMap((citation) => [
      citation.capture,
      ...(citation.post?.media.map((item) => item.capture) ?? []),
    ]);
    expect(captures.filter(Boolean).length).toBeGreaterThanOrEqual(4);
    for (const capture of captures) {
      if (!capture) continue;
      const stored = await readResponseRecord(harness.dataDir, capture.warc);
      expect(createHash('sha256').update(stored.payload).digest('hex')).toBe(capture.sha256);
    }
    const records = await expectEveryWarcRecordValid(harness.dataDir);
    // Every request made is archived: syndication, the photo, t.co hops, pages.
    expect(records.filter((stored) => stored.type === 'response').length).toBe(upstream.requestCount());
    // The Sudinfo page came gzip-encoded: stored so, parsed decoded.
    const page = await readResponseRecord(harness.dataDir, byId(record, 'tco:Q558GooFYF').capture!.warc);
    expect(page.headers.find(([name]) => name.toLowerCase() === 'content-encoding')?.[1]).toBe('gzip');
    expect([...page.payload.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
  });

  it('reuses every check on a second run: no upstream request, the same citations', async () => {
    const requestsBefore = upstream.requestCount();
    const again = await harness.archive({ text }, 'casablanca');
    expect(upstream.requestCount()).toBe(requestsBefore);
    expect(again.citations).toEqual(record.citations);
  });

  it('leaves nothing for retry-failed to retry', async () => {
    const requestsBefore = upstream.requestCount();
    const result = await recheckDocument(
      'casablanca',
      (citation) => citation.status === 'unidentified',
      harness.pipeline.ports,
    );
    expect(result?.rechecked).toBe(0);
    expect(upstream.requestCount()).toBe(requestsBefore);
  });

  it('reuses a capture for another document citing the same post', async () => {
    const requestsBefore = upstream.requestCount();
    const other = await harness.archive(
      { html: `<p><a href="https://twitter.com/DGSN_MAROC/status/${DGSN_ID}?s=20">La DGSN</a></p>` },
      'other',
    );
    expect(upstream.requestCount()).toBe(requestsBefore);
    expect(other.citations[0]?.capture).toEqual(byId(record, `post:${DGSN_ID}`).capture);
  });
});
