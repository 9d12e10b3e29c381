import { Agent, request } from 'undici';
import { describe, expect, it, vi } from 'vitest';

import {
  createRoutedAgent,
  FakeUpstream,
  fetchAnswer,
  TEST_CA_PATH,
  useFakeUpstream,
} from '../support/fake-upstream/index.js';

const fake = useFakeUpstream();

describe('routes and env', () => {
  it('names every host it serves explicitly, on 443 and 80', () => {
    fake.upstream.addPage('https://news.example.com/a', { body: 'x' });
    fake.upstream.addPage('http://local.news.test:8080/b', { body: 'x' });
    fake.upstream.failNext('cdn.example.com', [503]);
    fake.upstream.addPage('http://127.0.0.1/guarded', { body: 'x' });
    const routes = fake.upstream.routes.split(',');
    for (const host of [
      't.co',
      'twitter.com',
      'x.com',
      'publish.twitter.com',
      'cdn.syndication.twimg.com',
      'pbs.twimg.com',
      'archive.org',
      'web.archive.org',
      'news.example.com',
      'cdn.example.com',
    ]) {
      expect(routes).toContain(`${host}:443:127.0.0.1:${fake.upstream.httpsPort}`);
      expect(routes).toContain(`${host}:80:127.0.0.1:${fake.upstream.httpPort}`);
    }
    expect(routes).toContain(`local.news.test:8080:127.0.0.1:${fake.upstream.httpPort}`);
    for (const route of routes) expect(route).toMatch(/^[a-z0-9.-]+\.[a-z]+:\d+:127\.0\.0\.1:\d+$/);
    expect(routes.some((route) => route.startsWith('127.0.0.1:'))).toBe(false);
    expect(fake.upstream.env).toEqual({ CITESNAP_CONNECT_TO: fake.upstream.routes, NODE_EXTRA_CA_CERTS: TEST_CA_PATH });
  });
});

describe('the request log', () => {
  it('records host, method, path, User-Agent, arrival and status', async () => {
    const before = Date.now();
    await fetchAnswer(fake.agent, 'https://t.co/nothing?amp=1', { headers: { 'user-agent': 'citesnap/0.1' } });
    await fetchAnswer(fake.agent, 'http://news.example.com/', { method: 'HEAD' });
    expect(fake.upstream.requests).toEqual([
      {
        scheme: 'https',
        host: 't.co',
        method: 'GET',
        path: '/nothing?amp=1',
        userAgent: 'citesnap/0.1',
        at: expect.any(Number) as unknown,
        status: 404,
      },
      {
        scheme: 'http',
        host: 'news.example.com',
        method: 'HEAD',
        path: '/',
        userAgent: '',
        at: expect.any(Number) as unknown,
        status: 404,
      },
    ]);
    expect(fake.upstream.requests[0]?.at).toBeGreaterThanOrEqual(before);
    expect(fake.upstream.requestCount()).toBe(2);
    expect(fake.upstream.requestCount('t.co')).toBe(1);
    expect(fake.upstream.requestCount('x.com')).toBe(0);
  });

  it('forgets everything on reset', async () => {
    fake.upstream.addShortLink('abc', 'https://news.example.com/');
    await fetchAnswer(fake.agent, 'https://t.co/abc');
    fake.upstream.reset();
    expect(fake.upstream.requests).toEqual([]);
    expect(fake.upstream.requestCount('t.co')).toBe(0);
    expect(fake.upstream.maxInFlight('t.co')).toBe(0);
    expect((await fetchAnswer(fake.agent, 'https://t.co/abc')).status).toBe(404);
  });
});

describe('in-flight counts', () => {
  it('counts concurrent requests to one host and returns to zero', async () => {
    fake.upstream.addPage('https://news.example.com/slow', { body: 'x', delayMs: 200 });
    await Promise.all(Array.from({ length: 4 }, () => fetchAnswer(fake.agent, 'https://news.example.com/slow')));
    expect(fake.upstream.maxInFlight('news.example.com')).toBe(4);
    expect(fake.upstream.inFlight('news.example.com')).toBe(0);
    expect(fake.upstream.maxInFlight('t.co')).toBe(0);
  });

  it('counts requests one after another on a kept-alive connection one at a time', async () => {
    const oneConnection = createRoutedAgent(fake.upstream, { connections: 1, pipelining: 1 });
    try {
      for (let i = 0; i < 5; i += 1) {
        await fetchAnswer(oneConnection, 'https://x.com/a/status/1');
        expect(fake.upstream.inFlight('x.com')).toBe(0);
      }
      expect(fake.upstream.maxInFlight('x.com')).toBe(1);
      expect(fake.upstream.requestCount('x.com')).toBe(5);
    } finally {
      await oneConnection.close();
    }
  });

  it('counts a request the client abandons mid-body out of flight', async () => {
    fake.upstream.addPage('https://news.example.com/huge', { bytes: 50 * 1024 * 1024 });
    const response = await request('https://news.example.com/huge', { dispatcher: fake.agent });
    expect(fake.upstream.inFlight('news.example.com')).toBe(1);
    response.body.destroy();
    await vi.waitFor(() => expect(fake.upstream.inFlight('news.example.com')).toBe(0));
    expect(fake.upstream.requests[0]?.status).toBe(200);
  });
});

describe('failNext', () => {
  it('answers the next requests for a URL with the given statuses, then normally', async () => {
    fake.upstream.addShortLink('abc', 'https://news.example.com/');
    fake.upstream.failNext('https://t.co/abc', [429, 503], { retryAfter: '7' });
    const first = await fetchAnswer(fake.agent, 'https://t.co/abc');
    expect(first.status).toBe(429);
    expect(first.headers['retry-after']).toBe('7');
    expect((await fetchAnswer(fake.agent, 'https://t.co/other')).status).toBe(404);
    expect((await fetchAnswer(fake.agent, 'https://t.co/abc')).status).toBe(503);
    expect((await fetchAnswer(fake.agent, 'https://t.co/abc')).status).toBe(301);
  });

  it('fails every URL of a host, with an HTTP-date Retry-After', async () => {
    fake.upstream.addPage('https://news.example.com/a', { body: 'a' });
    const retryAt = new Date(Date.now() + 60_000).toUTCString();
    fake.upstream.failNext('news.example.com', [429], { retryAfter: retryAt });
    const failed = await fetchAnswer(fake.agent, 'https://news.example.com/b');
    expect(failed.status).toBe(429);
    expect(failed.headers['retry-after']).toBe(retryAt);
    expect((await fetchAnswer(fake.agent, 'https://news.example.com/a')).text).toBe('a');
  });

  it('fails a built-in upstream too, as syndication does in 403/429 bursts', async () => {
    fake.upstream.failNext('cdn.syndication.twimg.com', [403, 429]);
    const url = 'https://cdn.syndication.twimg.com/tweet-result?id=20&lang=en&token=x';
    expect((await fetchAnswer(fake.agent, url)).status).toBe(403);
    expect((await fetchAnswer(fake.agent, url)).status).toBe(429);
    expect((await fetchAnswer(fake.agent, url)).status).toBe(400);
  });
});

describe('latency', () => {
  it('delays every answer, 404s included', async () => {
    const slow = await FakeUpstream.start({ latencyMs: 250 });
    const slowAgent = createRoutedAgent(slow);
    try {
      slow.addShortLink('abc', 'https://news.example.com/');
      for (const url of ['https://t.co/abc', 'https://unknown.example.com/']) {
        const started = performance.now();
        await fetchAnswer(slowAgent, url);
        expect(performance.now() - started).toBeGreaterThanOrEqual(240);
      }
    } finally {
      await slowAgent.close();
      await slow.close();
    }
  });
});

describe('the stats endpoint and close', () => {
  it('answers /__fake/stats on 127.0.0.1 without counting itself', async () => {
    await fetchAnswer(fake.agent, 'https://t.co/x');
    const plain = new Agent();
    try {
      const stats = await fetchAnswer(plain, `http://127.0.0.1:${fake.upstream.httpPort}/__fake/stats`);
      expect(JSON.parse(stats.text)).toEqual({
        requests: 1,
        hosts: { 't.co': { requests: 1, inFlight: 0, maxInFlight: 1 } },
      });
    } finally {
      await plain.close();
    }
    expect(fake.upstream.requestCount()).toBe(1);
  });

  it('ends hanging requests when it closes', async () => {
    const closing = await FakeUpstream.start();
    const closingAgent = createRoutedAgent(closing);
    closing.addPage('https://stuck.example.com/', { hang: true });
    const outcome = fetchAnswer(closingAgent, 'https://stuck.example.com/').then(
      () => 'answered',
      () => 'connection closed',
    );
    await vi.waitFor(() => expect(closing.inFlight('stuck.example.com')).toBe(1));
    await closing.close();
    expect(closing.inFlight('stuck.example.com')).toBe(0);
    expect(await outcome).toBe('connection closed');
    await closingAgent.close();
  });
});
