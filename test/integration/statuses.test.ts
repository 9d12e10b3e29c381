import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readResponseRecord } from '../../src/capture/warc-reader.js';
import { FetchError } from '../../src/errors.js';
import { recheckDocument } from '../../src/pipeline/index.js';
import type { Citation, DocumentRecord } from '../../src/model/index.js';
import { FakeUpstream, type PostState } from '../support/fake-upstream/index.js';
import { startPipeline, type PipelineHarness } from '../support/pipeline-harness.js';
import { expectEveryWarcRecordValid } from '../support/warc-records.js';

// Ids carry real Snowflake times (November 2023), one a state.
const POSTS: Record<string, PostState> = {
  '1729000000000000001': 'public',
  '1729000000000000002': 'deleted',
  '1729000000000000003': 'protected',
  '1729000000000000004': 'suspended',
  '1729000000000000005': 'age-gated',
  '1729000000000000006': 'withheld',
  '1729000000000000007': 'syndication-html',
  '1729000000000000008': 'syndication-empty',
  '1729000000000000009': 'syndication-no-user',
  '1729000000000000010': 'syndication-only-404',
  '1729000000000000011': 'deleted',
};
const DELETED_BUT_ARCHIVED = '1729000000000000011';

function postCitation(record: DocumentRecord, id: string): Citation {
  const citation = record.citations.find((candidate) => candidate.id === `post:${id}`);
  if (!citation) throw new Error(`no citation post:${id}`);
  return citation;
}

function linkCitation(record: DocumentRecord, code: string): Citation {
  const citation = record.citations.find((candidate) => candidate.id === `tco:${code}`);
  if (!citation) throw new Error(`no citation tco:${code} in ${record.citations.map((c) => c.id).join(', ')}`);
  return citation;
}

describe('post statuses', () => {
  let upstream: FakeUpstream;
  let harness: PipelineHarness;
  let record: DocumentRecord;

  beforeAll(async () => {
    upstream = await FakeUpstream.start();
    for (const [id, state] of Object.entries(POSTS)) {
      upstream.addPost({ id, handle: `user${id.slice(-2)}`, name: `User ${id.slice(-2)}`, text: `Post ${id}`, state });
    }
    upstream.addWaybackSnapshot(`https://twitter.com/user11/status/${DELETED_BUT_ARCHIVED}`, {
      timestamp: '20231201000000',
      body: '{"text":"Post as the Wayback Machine kept it"}',
      contentType: 'application/json',
    });
    harness = await startPipeline(upstream);
    const html = Object.keys(POSTS)
      .map((id) => `<p>See <a href="https://twitter.com/user${id.slice(-2)}/status/${id}">this post</a>.</p>`)
      .join('\n');
    record = await harness.archive({ html }, 'statuses');
  });

  afterAll(async () => {
    await harness.close();
    await upstream.close();
  });

  it.each([
    ['1729000000000000001', 'archived', 'syndication'],
    ['1729000000000000002', 'deleted', undefined],
    ['1729000000000000003', 'protected', undefined],
    ['1729000000000000004', 'suspended', undefined],
    ['1729000000000000005', 'unavailable', undefined],
    ['1729000000000000006', 'unavailable', undefined],
    ['1729000000000000007', 'archived', 'oembed'],
    ['1729000000000000008', 'archived', 'oembed'],
    ['1729000000000000009', 'archived', 'syndication'],
    ['1729000000000000010', 'archived', 'oembed'],
    [DELETED_BUT_ARCHIVED, 'deleted', 'wayback'],
  ])('post %s is %s (capture via %s)', (id, status, via) => {
    const citation = postCitation(record, id);
    expect(citation.status).toBe(status);
    expect(citation.capture?.via).toBe(via);
    expect(citation.checks).toHaveLength(1);
    expect(citation.checks[0]?.status).toBe(status);
    // createdAt from the capture, else from the Snowflake id: never missing for a real id.
    expect(citation.post?.createdAt).toMatch(/^2023-11-/);
  });

  it('reads a Tweet without user, keeping the handle the article gave', () => {
    expect(postCitation(record, '1729000000000000009').post).toMatchObject({
      handle: 'user09',
      text: 'Post 1729000000000000009',
    });
  });

  it('captures what the Wayback Machine kept of a deleted post', async () => {
    const capture = postCitation(record, DELETED_BUT_ARCHIVED).capture!;
    const stored = await readResponseRecord(harness.dataDir, capture.warc);
    expect(stored.targetUri).toMatch(
      /^https:\/\/web\.archive\.org\/web\/20231201000000id_\/https:\/\/twitter\.com\/user11\/status\//,
    );
    expect(Buffer.from(stored.payload).toString()).toContain('as the Wayback Machine kept it');
  });

  it('rechecks a failed link into the post it leads to, already cited elsewhere in the document', async () => {
    const postId = '1729000000000000010';
    upstream.addShortLink('laterPost', `https://twitter.com/user10/status/${postId}`);
    upstream.failNext('https://t.co/laterPost', [500]);
    const html = `<p><a href="https://x.com/user10/status/${postId}">The post</a> and again https://t.co/laterPost</p>`;
    const first = await harness.archive({ html }, 'joins-later');
    expect(first.citations.map((citation) => [citation.id, citation.status])).toEqual([
      [`post:${postId}`, 'archived'],
      ['tco:laterPost', 'failed'],
    ]);
    const result = await recheckDocument(
      'joins-later',
      (citation) => citation.status === 'failed',
      harness.pipeline.ports,
    );
    expect(result?.record.citations.map((citation) => [citation.id, citation.status])).toEqual([
      [`post:${postId}`, 'archived'],
    ]);
    const post = postCitation(result!.record, postId);
    expect(post.occurrences.map((occurrence) => occurrence.form)).toEqual(['post-url', 'short-link']);
    // The post itself was not picked: its recent check is reused, not repeated.
    expect(post.checks).toEqual(postCitation(first, postId).checks);
    expect(post.capture).toEqual(postCitation(first, postId).capture);
  });

  it('rechecks: a post deleted after its capture reads deleted with its capture intact', async () => {
    const id = '1729000000000000001';
    const before = postCitation(record, id);
    upstream.setPostState(id, 'deleted');
    const result = await recheckDocument(
      'statuses',
      (citation) => citation.id === `post:${id}`,
      harness.pipeline.ports,
    );
    const after = postCitation(result!.record, id);
    expect(after.status).toBe('deleted');
    expect(after.capture).toEqual(before.capture);
    expect(after.post?.text).toBe(before.post?.text);
    expect(after.checks.map((check) => check.status)).toEqual(['archived', 'deleted']);
    // Citations not picked are left as they were.
    expect(postCitation(result!.record, '1729000000000000003')).toEqual(postCitation(record, '1729000000000000003'));
  });
});

describe('link statuses and error codes', () => {
  let upstream: FakeUpstream;
  let harness: PipelineHarness;
  let record: DocumentRecord;

  beforeAll(async () => {
    upstream = await FakeUpstream.start();
    const shortLink = (code: string, target: string, options?: { unsafe?: boolean }) =>
      upstream.addShortLink(code, target, options);
    upstream.addPage('https://news.test/ok', { body: '<title>OK</title>' });
    shortLink('okPage', 'https://news.test/ok');
    shortLink('unsafe1', 'https://news.test/ok', { unsafe: true });
    shortLink('gone410', 'https://news.test/gone');
    upstream.addPage('https://news.test/gone', { status: 410 });
    shortLink('err500', 'https://news.test/broken');
    upstream.addPage('https://news.test/broken', { status: 500 });
    shortLink('private', 'http://127.0.0.1:9/admin');
    shortLink('mapped4', 'http://[::ffff:7f00:1]/');
    shortLink('metadata', 'http://169.254.169.254/latest/meta-data/');
    shortLink('internal', 'https://db.internal/');
    shortLink('fileUrl', 'file:///etc/passwd');
    shortLink('hopPriv', 'https://news.test/hop');
    upstream.addRedirect('https://news.test/hop', 'http://10.0.0.1/');
    shortLink('loop1', 'https://news.test/loop-a');
    upstream.addRedirect('https://news.test/loop-a', 'https://news.test/loop-b');
    upstream.addRedirect('https://news.test/loop-b', 'https://news.test/loop-a');
    shortLink('chain', 'https://news.test/chain/0');
    for (let n = 0; n < 15; n++)
      upstream.addRedirect(`https://news.test/chain/${n}`, `https://news.test/chain/${n + 1}`);
    shortLink('refresh', 'https://news.test/refresh');
    upstream.addPage('https://news.test/refresh', {
      body: '<noscript><META http-equiv="refresh" content="0;URL=https://news.test/ok"></noscript><script>location.replace("https:\\/\\/news.test\\/ok")</script>',
    });
    shortLink('limited', 'https://news.test/busy');
    upstream.addPage('https://news.test/busy', { body: '<title>Busy then fine</title>' });
    upstream.failNext('https://news.test/busy', [429], { retryAfter: '0' });
    shortLink('hangs', 'https://news.test/hangs');
    upstream.addPage('https://news.test/hangs', { hang: true });
    shortLink('always429', 'https://news.test/always-busy');
    upstream.addPage('https://news.test/always-busy', { body: 'never served' });
    upstream.failNext('https://news.test/always-busy', [429, 429, 429, 429], { retryAfter: '0' });
    shortLink('noLocation', 'https://news.test/no-location');
    upstream.addPage('https://news.test/no-location', { status: 302 });
    shortLink('badTls', 'https://untrusted.test/');
    shortLink('refused', 'https://closed.news.test/');
    // .invalid is reserved never to resolve (RFC 6761): the real resolver says so at once.
    shortLink('noHost', 'https://no-such-host.invalid/article');
    shortLink('badGzip', 'https://news.test/bad-gzip');
    upstream.addPage('https://news.test/bad-gzip', {
      headers: { 'Content-Type': 'text/html', 'Content-Encoding': 'gzip' },
      body: '<title>not gzip at all</title>',
    });
    shortLink('huge', 'https://news.test/huge');
    upstream.addPage('https://news.test/huge', { body: '<title>Huge</title>', bytes: 20 * 1024 * 1024 });
    // closed.news.test is routed to a port where nothing listens; untrusted.test is served
    // with a certificate that does not name it.
    harness = await startPipeline(upstream, {
      CITESNAP_CONNECT_TO: `${upstream.routes},closed.news.test:443:127.0.0.1:1,untrusted.test:443:127.0.0.1:${upstream.httpsPort}`,
      CITESNAP_TIMEOUT_MS: '300',
    });
    const codes = [
      'badGzip',
      'noHost',
      'hangs',
      'always429',
      'noLocation',
      'badTls',
      'refused',
      'okPage',
      'unsafe1',
      'missing',
      'gone410',
      'err500',
      'private',
      'mapped4',
      'metadata',
      'internal',
      'fileUrl',
      'hopPriv',
      'loop1',
      'chain',
      'refresh',
      'limited',
      'huge',
    ];
    record = await harness.archive(
      { text: codes.map((code) => `See https://t.co/${code} now.`).join('\n\n') },
      'links',
    );
  });

  afterAll(async () => {
    await harness.close();
    await upstream.close();
  });

  it.each([
    ['okPage', 'archived', undefined],
    ['unsafe1', 'archived', undefined],
    ['missing', 'dead', 'HTTP_STATUS'],
    ['gone410', 'dead', 'HTTP_STATUS'],
    ['err500', 'failed', 'HTTP_STATUS'],
    ['private', 'blocked', 'BLOCKED_ADDRESS'],
    ['mapped4', 'blocked', 'BLOCKED_ADDRESS'],
    ['metadata', 'blocked', 'BLOCKED_ADDRESS'],
    ['internal', 'blocked', 'BLOCKED_ADDRESS'],
    ['fileUrl', 'blocked', 'BLOCKED_SCHEME'],
    ['hopPriv', 'blocked', 'BLOCKED_ADDRESS'],
    ['loop1', 'failed', 'REDIRECT_LOOP'],
    ['chain', 'failed', 'TOO_MANY_REDIRECTS'],
    ['refresh', 'archived', undefined],
    ['limited', 'archived', undefined],
    ['huge', 'archived', undefined],
    ['hangs', 'failed', 'TIMEOUT'],
    ['always429', 'failed', 'RATE_LIMITED'],
    ['noLocation', 'failed', 'BAD_RESPONSE'],
    ['badTls', 'failed', 'TLS'],
    ['refused', 'failed', 'CONNECTION'],
    ['noHost', 'dead', 'DNS'],
    ['badGzip', 'archived', undefined],
  ])('t.co/%s is %s (%s)', (code, status, errorCode) => {
    const citation = linkCitation(record, code);
    expect(citation.status).toBe(status);
    expect(citation.error?.code).toBe(errorCode);
    expect(citation.checks[0]).toMatchObject({ status, ...(errorCode === undefined ? {} : { error: errorCode }) });
  });

  it('records every hop, the unsafe-link wrapper unwrapped and refresh pages counted', () => {
    expect(linkCitation(record, 'unsafe1').link?.finalUrl).toBe('https://news.test/ok');
    expect(linkCitation(record, 'refresh').link?.hops.map((hop) => [hop.url, hop.status, hop.via])).toEqual([
      ['https://t.co/refresh', 301, 'http'],
      ['https://news.test/refresh', 200, 'meta-refresh'],
      ['https://news.test/ok', 200, 'http'],
    ]);
    expect(linkCitation(record, 'hopPriv').link?.hops.map((hop) => hop.url)).toEqual([
      'https://t.co/hopPriv',
      'https://news.test/hop',
    ]);
    expect(linkCitation(record, 'chain').link?.hops).toHaveLength(11);
  });

  it('never connects to a refused address', () => {
    const hosts = new Set(upstream.requests.map((request) => request.host));
    for (const refused of ['127.0.0.1', '10.0.0.1', '169.254.169.254', 'db.internal'])
      expect(hosts.has(refused)).toBe(false);
  });

  it('gives the worker the status of an article host that stays unavailable, so it can delay the job', async () => {
    upstream.addPage('https://news.test/busy-article', { status: 503, body: 'Service Unavailable' });
    const failure = await harness.pipeline
      .fetchArticle('https://news.test/busy-article')
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(FetchError);
    expect(failure).toMatchObject({ code: 'HTTP_STATUS', httpStatus: 503 });
  });

  it('captures a body that cannot be decoded as it came, without metadata', () => {
    const citation = linkCitation(record, 'badGzip');
    expect(citation.capture?.via).toBe('page');
    expect(citation.link?.page).toBeUndefined();
  });

  it('gives a request that got no answer a hop with status 0', () => {
    expect(linkCitation(record, 'hangs').link?.hops.at(-1)).toEqual({
      url: 'https://news.test/hangs',
      status: 0,
      via: 'http',
    });
    expect(linkCitation(record, 'refused').link?.hops.at(-1)).toEqual({
      url: 'https://closed.news.test/',
      status: 0,
      via: 'http',
    });
  });

  it('archives every answer in valid WARC records', async () => {
    const records = await expectEveryWarcRecordValid(harness.dataDir);
    expect(records.filter((stored) => stored.type === 'response').length).toBeGreaterThan(20);
  });

  it('asks again, on the next run, only where no answer came', async () => {
    const asked = (path: string) =>
      upstream.requests.filter((request) => request.host === 'news.test' && request.path === path).length;
    const before = { hangs: asked('/hangs'), ok: asked('/ok'), gone: asked('/gone') };
    const again = await harness.archive(
      { text: 'See https://t.co/hangs, https://t.co/okPage and https://t.co/gone410.' },
      'links-again',
    );
    // The timed-out page is asked again (with its retries); the answered ones are reused.
    expect(asked('/hangs')).toBeGreaterThan(before.hangs);
    expect({ ok: asked('/ok'), gone: asked('/gone') }).toEqual({ ok: before.ok, gone: before.gone });
    expect(again.citations.map((citation) => citation.status)).toEqual(['failed', 'archived', 'dead']);
  });

  it('marks a capture cut by the body cap as truncated', async () => {
    const capture = linkCitation(record, 'huge').capture!;
    expect(capture.truncated).toBe(true);
    const stored = await readResponseRecord(harness.dataDir, capture.warc);
    expect(stored.truncated).toBe('length');
    expect(stored.payload.length).toBe(harness.config.maxBodyBytes);
  });
});

describe('the User-Agent', () => {
  it('is CITESNAP_USER_AGENT everywhere but t.co, which always gets the non-browser one and so a 301', async () => {
    const upstream = await FakeUpstream.start();
    upstream.addPage('https://news.test/ua', { body: '<title>UA</title>' });
    upstream.addShortLink('uaLink', 'https://news.test/ua');
    const browser = 'Mozilla/5.0 (X11; Linux x86_64) citesnap-test';
    const harness = await startPipeline(upstream, { CITESNAP_USER_AGENT: browser });
    try {
      const record = await harness.archive({ text: 'See https://t.co/uaLink' }, 'user-agent');
      expect(record.citations[0]?.link?.hops.map((hop) => [hop.status, hop.via])).toEqual([
        [301, 'http'],
        [200, 'http'],
      ]);
      const agentOf = (host: string) => upstream.requests.find((request) => request.host === host)?.userAgent;
      expect(agentOf('t.co')).toMatch(/^citesnap\/\d+\.\d+\.\d+$/);
      expect(agentOf('news.test')).toBe(browser);
    } finally {
      await harness.close();
      await upstream.close();
    }
  });
});
