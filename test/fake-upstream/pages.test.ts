import { gunzipSync } from 'node:zlib';
import { request } from 'undici';
import { describe, expect, it, vi } from 'vitest';

import { encodeText, fetchAnswer, useFakeUpstream } from '../support/fake-upstream/index.js';

const fake = useFakeUpstream();

describe('ordinary pages', () => {
  it('serves an added page with its status and headers, on any host', async () => {
    fake.upstream.addPage('https://lesoir.news.test/article/1', {
      body: '<html><head><title>Le Soir</title></head></html>',
      headers: { 'Cache-Control': 'no-store', 'X-Site': 'lesoir' },
    });
    fake.upstream.addPage('http://gone.example.com/old', { status: 410, body: 'Gone' });
    const page = await fetchAnswer(fake.agent, 'https://lesoir.news.test/article/1');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['x-site']).toBe('lesoir');
    expect(page.text).toContain('<title>Le Soir</title>');
    expect((await fetchAnswer(fake.agent, 'http://gone.example.com/old')).status).toBe(410);
  });

  it('fails TLS for a host the test certificate does not cover, as a real mismatch would', async () => {
    // The certificate lists *.test, but Node never lets a wildcard stand for all but one label.
    fake.upstream.addPage('https://lesoir.test/', { body: 'x' });
    fake.upstream.addPage('http://lesoir.test/', { body: 'plain' });
    await expect(fetchAnswer(fake.agent, 'https://lesoir.test/')).rejects.toThrow(
      /does not match certificate's altnames/,
    );
    expect((await fetchAnswer(fake.agent, 'http://lesoir.test/')).text).toBe('plain');
  });

  it('encodes the body in the charset it names in Content-Type', async () => {
    fake.upstream.addPage('https://news.example.com/fr', { body: '<p>Été – 5 €</p>', charset: 'windows-1252' });
    const answer = await fetchAnswer(fake.agent, 'https://news.example.com/fr');
    expect(answer.headers['content-type']).toBe('text/html; charset=windows-1252');
    expect(answer.body).toEqual(
      Buffer.from([
        ...Buffer.from('<p>'),
        0xc9,
        0x74,
        0xe9,
        0x20,
        0x96,
        0x20,
        0x35,
        0x20,
        0x80,
        ...Buffer.from('</p>'),
      ]),
    );
  });

  it('leaves the charset to <meta> when the caller gives the bytes', async () => {
    const body = encodeText('<meta charset="iso-8859-1"><p>Liège</p>', 'iso-8859-1');
    fake.upstream.addPage('https://news.example.com/be', { body });
    const answer = await fetchAnswer(fake.agent, 'https://news.example.com/be');
    expect(answer.headers['content-type']).toBe('text/html');
    expect(answer.body).toEqual(body);
    expect(answer.body.includes(0xe8)).toBe(true);
  });

  it('gzips when asked to and the client accepts it', async () => {
    fake.upstream.addPage('https://news.example.com/gz', { body: '<p>compressed</p>', gzip: true });
    const gzipped = await fetchAnswer(fake.agent, 'https://news.example.com/gz', {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzipped.body).toString()).toBe('<p>compressed</p>');
    const plain = await fetchAnswer(fake.agent, 'https://news.example.com/gz');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.text).toBe('<p>compressed</p>');
  });

  it('serves redirects, relative ones as written', async () => {
    fake.upstream.addRedirect('https://news.example.com/short', '/long/path');
    fake.upstream.addRedirect('https://news.example.com/moved', 'https://other.example.com/', 302);
    const relative = await fetchAnswer(fake.agent, 'https://news.example.com/short');
    expect(relative.status).toBe(301);
    expect(relative.headers['location']).toBe('/long/path');
    expect((await fetchAnswer(fake.agent, 'https://news.example.com/moved')).status).toBe(302);
  });

  it('matches the query, and falls back to the page without one', async () => {
    fake.upstream.addPage('https://news.example.com/a', { body: 'plain' });
    fake.upstream.addPage('https://news.example.com/a?page=2', { body: 'second' });
    expect((await fetchAnswer(fake.agent, 'https://news.example.com/a?page=2')).text).toBe('second');
    expect((await fetchAnswer(fake.agent, 'https://news.example.com/a?utm_source=x')).text).toBe('plain');
  });

  it('keeps http and https apart, and answers 404 for anything not added', async () => {
    fake.upstream.addPage('https://news.example.com/a', { body: 'secure' });
    expect((await fetchAnswer(fake.agent, 'http://news.example.com/a')).status).toBe(404);
    expect((await fetchAnswer(fake.agent, 'https://unknown.example.com/')).status).toBe(404);
  });

  it('streams a 20 MiB body with its Content-Length', async () => {
    const size = 20 * 1024 * 1024;
    fake.upstream.addPage('https://news.example.com/huge', { body: '<html><body>', bytes: size });
    const response = await request('https://news.example.com/huge', { dispatcher: fake.agent });
    expect(response.headers['content-length']).toBe(String(size));
    let received = 0;
    let head = '';
    for await (const chunk of response.body) {
      const bytes = chunk as Buffer;
      if (head === '') head = bytes.subarray(0, 12).toString();
      received += bytes.length;
    }
    expect(head).toBe('<html><body>');
    expect(received).toBe(size);
  });

  it('streams a large body gzipped, which inflates to the full size', async () => {
    const size = 5 * 1024 * 1024;
    fake.upstream.addPage('https://news.example.com/bomb', { bytes: size, gzip: true });
    const answer = await fetchAnswer(fake.agent, 'https://news.example.com/bomb', {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(answer.headers['content-encoding']).toBe('gzip');
    expect(answer.body.length).toBeLessThan(size / 100);
    expect(gunzipSync(answer.body).length).toBe(size);
  });

  it('waits delayMs before answering', async () => {
    fake.upstream.addPage('https://slow.example.com/', { body: 'late', delayMs: 300 });
    const started = performance.now();
    expect((await fetchAnswer(fake.agent, 'https://slow.example.com/')).text).toBe('late');
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('never answers a hanging page, and counts it out of flight once the client gives up', async () => {
    fake.upstream.addPage('https://stuck.example.com/', { hang: true });
    const giveUp = new AbortController();
    const pending = fetchAnswer(fake.agent, 'https://stuck.example.com/', { signal: giveUp.signal });
    await vi.waitFor(() => expect(fake.upstream.inFlight('stuck.example.com')).toBe(1));
    giveUp.abort();
    await expect(pending).rejects.toThrow();
    await vi.waitFor(() => expect(fake.upstream.inFlight('stuck.example.com')).toBe(0));
    expect(fake.upstream.requests).toMatchObject([{ host: 'stuck.example.com', status: 0 }]);
  });
});

describe('encodeText', () => {
  it('writes windows-1252 and ISO-8859-1, and refuses what they cannot hold', () => {
    expect(encodeText('€’', 'windows-1252')).toEqual(Buffer.from([0x80, 0x92]));
    expect(encodeText('é', 'ISO-8859-1')).toEqual(Buffer.from([0xe9]));
    expect(() => encodeText('€', 'iso-8859-1')).toThrow(/cannot be written in iso-8859-1/);
    expect(() => encodeText('x', 'shift_jis')).toThrow(/pass the body as a Buffer/);
  });
});
