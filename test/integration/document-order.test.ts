import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeUpstream } from '../support/fake-upstream/index.js';
import { startPipeline, type PipelineHarness } from '../support/pipeline-harness.js';

// Documents archived at once share each host's places; the requests of the document
// that started first go first (HostGate.acquire's order), so it finishes first.

describe('documents archived at once', () => {
  let upstream: FakeUpstream;
  let harness: PipelineHarness;

  beforeAll(async () => {
    upstream = await FakeUpstream.start({ latencyMs: 20 });
    // news.test, one request at a time: the first document's slow page holds it while the
    // second document's page (asked at once) and then the first's other page (asked after
    // a detour through detour.news.test) wait for it.
    upstream.addShortLink('Aslow00001', 'https://news.test/slow');
    upstream.addPage('https://news.test/slow', { body: '<html><head><title>slow</title></head></html>', delayMs: 300 });
    upstream.addShortLink('Adetour001', 'https://detour.news.test/detour');
    upstream.addPage('https://detour.news.test/detour', {
      status: 301,
      headers: { location: 'https://news.test/a' },
      delayMs: 100,
    });
    upstream.addPage('https://news.test/a', { body: '<html><head><title>A</title></head></html>' });
    upstream.addShortLink('Bsecond001', 'https://news.test/b');
    upstream.addPage('https://news.test/b', { body: '<html><head><title>B</title></head></html>' });
    harness = await startPipeline(upstream, { CITESNAP_HOST_CONCURRENCY: '1' });
  });

  afterAll(async () => {
    await harness.close();
    await upstream.close();
  });

  it('let the requests of the document that started first go before a later one waiting for the same host', async () => {
    const first = harness.archive(
      { text: 'As reported: https://t.co/Aslow00001 and https://t.co/Adetour001' },
      'first',
    );
    // The second starts once the first's requests are out.
    while (!upstream.requests.some((request) => request.host === 'news.test'))
      await new Promise((r) => setTimeout(r, 5));
    const second = harness.archive({ text: 'Also: https://t.co/Bsecond001' }, 'second');
    const [a, b] = await Promise.all([first, second]);
    expect(a.citations.map((citation) => citation.status)).toEqual(['archived', 'archived']);
    expect(b.citations.map((citation) => citation.status)).toEqual(['archived']);
    // First come, first served, /b (waiting since before /a was asked) would go before /a.
    const onNewsTest = upstream.requests
      .filter((request) => request.host === 'news.test')
      .map((request) => request.path);
    expect(onNewsTest).toEqual(['/slow', '/a', '/b']);
  });
});
