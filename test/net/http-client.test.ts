import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo, LookupFunction } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { FetchError } from '../../src/errors.js';
import { HttpClient, InProcessHostGate, parseConnectTo } from '../../src/net/index.js';
import type { HostGate, HttpClientOptions } from '../../src/net/index.js';
import {
  answer,
  freePort,
  offlineLookup,
  readBody,
  receivedHeaders,
  startServer,
  trustedCertificate,
  untrustedCertificate,
} from './servers.js';
import type { TestServer } from './servers.js';

const MiB = 1024 * 1024;
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * Starts a server that the test stops: plain HTTP, so that only the TLS tests
 * depend on the test CA being trusted; HTTPS with `certificate`.
 */
async function serve(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
  options: { certificate?: { cert: Buffer; key: Buffer } } = {},
): Promise<TestServer> {
  const server = await startServer(handler, options);
  cleanups.push(() => server.close());
  return server;
}

/** A client whose every connection to a host name goes to `server`. */
function clientFor(server: TestServer, options: Partial<HttpClientOptions> = {}): HttpClient {
  return makeClient({ routes: parseConnectTo(`::127.0.0.1:${server.port}`), ...options });
}

/** A client that the test closes, and whose DNS knows no name at all. */
function makeClient(options: Partial<HttpClientOptions> = {}): HttpClient {
  const client = new HttpClient({
    routes: [],
    userAgent: 'citesnap-test/1',
    timeoutMs: 5000,
    maxBodyBytes: MiB,
    hostConcurrency: 4,
    lookup: offlineLookup({}),
    retries: { attempts: 3, baseDelayMs: 10, maxDelayMs: 5000 },
    ...options,
  });
  cleanups.push(() => client.close());
  return client;
}

/** What a rejected fetch threw. */
async function failure(promise: Promise<unknown>): Promise<FetchError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(FetchError);
  return error as FetchError;
}

describe('HttpClient', () => {
  it('records the exchange: the headers sent and received, in order and case, and the raw body', async () => {
    let seen: [string, string][] = [];
    const server = await serve((request, response) => {
      seen = receivedHeaders(request);
      response.setHeader('X-Mixed-Case', 'Yes');
      response.setHeader('Set-Cookie', ['a=1', 'b=2']);
      answer(response, 200, { 'Content-Type': 'text/html; charset=utf-8' }, '<title>ok</title>');
    });
    const client = clientFor(server);

    const exchange = await client.fetch('http://t.co/abc?amp=1#fragment', { headers: { Accept: 'text/html' } });

    expect(exchange).toMatchObject({ url: 'http://t.co/abc?amp=1', method: 'GET', remoteAddress: '127.0.0.1' });
    expect(exchange.startedAt).toBeInstanceOf(Date);
    expect(exchange.request).toEqual({ httpVersion: '1.1', headers: seen });
    expect(exchange.request.headers).toEqual([
      ['host', 't.co'],
      ['connection', 'keep-alive'],
      ['user-agent', 'citesnap-test/1'],
      ['accept-encoding', 'gzip, deflate, br'],
      ['Accept', 'text/html'],
    ]);
    expect(exchange.response).toMatchObject({ status: 200, statusText: 'OK', httpVersion: '1.1', truncated: false });
    expect(exchange.response.headers).toEqual(
      expect.arrayContaining([
        ['X-Mixed-Case', 'Yes'],
        ['Set-Cookie', 'a=1'],
        ['Set-Cookie', 'b=2'],
      ]),
    );
    expect(exchange.header('x-mixed-case')).toBe('Yes');
    expect(exchange.header('SET-COOKIE')).toBe('a=1, b=2');
    expect(exchange.header('missing')).toBeUndefined();
    expect(exchange.response.body.toString()).toBe('<title>ok</title>');
  });

  it('trusts the CA given in NODE_EXTRA_CA_CERTS, which signed the test server certificate', async () => {
    const server = await serve((_request, response) => answer(response, 204), { certificate: trustedCertificate });
    const exchange = await clientFor(server).fetch('https://news.test/');
    expect(exchange.response.status).toBe(204);
    expect(exchange.url).toBe('https://news.test/');
  });

  it('sends a POST body and records the Content-Length it went with; a per-request User-Agent wins', async () => {
    let body = '';
    let seen: [string, string][] = [];
    const server = await serve((request, response) => {
      seen = receivedHeaders(request);
      void readBody(request).then((text) => {
        body = text;
        answer(response, 200, {}, 'saved');
      });
    });
    const exchange = await clientFor(server).fetch('http://web.archive.org/save', {
      method: 'POST',
      userAgent: 'curl/8.5.0',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'url=https%3A%2F%2Fx.com%2F',
    });
    expect(body).toBe('url=https%3A%2F%2Fx.com%2F');
    expect(exchange.request.headers).toEqual(seen);
    expect(seen).toContainEqual(['user-agent', 'curl/8.5.0']);
    expect(seen).toContainEqual(['content-length', '26']);
  });

  it('never follows a redirect', async () => {
    const server = await serve((_request, response) =>
      answer(response, 301, { Location: 'https://x.com/jack/status/20' }),
    );
    const exchange = await clientFor(server).fetch('http://t.co/abc');
    expect(exchange.response.status).toBe(301);
    expect(exchange.header('location')).toBe('https://x.com/jack/status/20');
  });

  it('records a HEAD exchange with an empty body', async () => {
    const server = await serve((_request, response) => answer(response, 200, { 'Content-Length': '1234' }));
    const exchange = await clientFor(server).fetch('http://t.co/abc', { method: 'HEAD' });
    expect(exchange.response.status).toBe(200);
    expect(exchange.response.body).toHaveLength(0);
    expect(exchange.request.headers).toContainEqual(['connection', 'close']);
  });

  it('keeps a gzip payload compressed and decodes it on demand', async () => {
    const html = '<html><title>Alerte à la bombe</title></html>'.repeat(100);
    const gzipped = gzipSync(html);
    const server = await serve((_request, response) => answer(response, 200, { 'Content-Encoding': 'gzip' }, gzipped));
    const exchange = await clientFor(server).fetch('http://t.co/abc');
    expect(exchange.response.body.equals(gzipped)).toBe(true);
    expect(exchange.decodedBody().toString('utf8')).toBe(html);
  });

  it('refuses to decode more chained Content-Encodings than allowed', async () => {
    const body = gzipSync(gzipSync(gzipSync('deep')));
    const server = await serve((_request, response) =>
      answer(response, 200, { 'Content-Encoding': 'gzip, gzip, gzip' }, body),
    );
    const exchange = await clientFor(server).fetch('http://t.co/abc');
    expect(exchange.response.body.equals(body)).toBe(true);
    expect(() => exchange.decodedBody()).toThrow(
      expect.objectContaining({
        code: 'BAD_RESPONSE',
        message: expect.stringMatching(/^GET http:\/\/t\.co\/abc: 3 chained/) as string,
      }),
    );
    const lenient = await clientFor(server, { maxContentEncodings: 3 }).fetch('http://t.co/abc');
    expect(lenient.decodedBody().toString()).toBe('deep');
  });

  it('stops downloading at maxBodyBytes: the body is cut at the cap and the connection closed', async () => {
    let serverFinished: (finished: boolean) => void = () => undefined;
    const serverDone = new Promise<boolean>((resolve) => (serverFinished = resolve));
    const server = await serve((_request, response) => {
      response.on('close', () => serverFinished(response.writableFinished));
      response.writeHead(200, { 'Content-Length': String(20 * MiB) });
      const chunk = Buffer.alloc(64 * 1024, 'a');
      let sent = 0;
      const write = () => {
        while (sent < 20 * MiB) {
          sent += chunk.length;
          if (sent >= 20 * MiB) response.end(chunk);
          else if (!response.write(chunk)) {
            response.once('drain', write);
            return;
          }
        }
      };
      write();
    });
    const exchange = await clientFor(server, { maxBodyBytes: 10 * MiB }).fetch('http://t.co/big');
    expect(exchange.response.truncated).toBe(true);
    expect(exchange.response.body.length).toBe(10 * MiB);
    expect(await serverDone).toBe(false);
  });

  it('keeps a body exactly as long as the cap whole, not truncated', async () => {
    const server = await serve((_request, response) => answer(response, 200, {}, Buffer.alloc(1000, 'b')));
    const exchange = await clientFor(server, { maxBodyBytes: 1000 }).fetch('http://t.co/abc');
    expect(exchange.response).toMatchObject({ truncated: false });
    expect(exchange.response.body.length).toBe(1000);
  });

  describe('retries', () => {
    /** A server that answers the first `failures` requests with `status` and `headers`, then 200. */
    async function flakyServer(status: number, failures: number, headers: () => Record<string, string>) {
      const arrivals: number[] = [];
      const server = await serve((_request, response) => {
        arrivals.push(Date.now());
        if (arrivals.length <= failures) answer(response, status, headers(), 'slow down');
        else answer(response, 200, {}, 'fine');
      });
      return { server, arrivals };
    }

    /**
     * A gate that lets every request through at once and notes each slowdown the
     * client asks for: how long the gate then holds a host back is the gate's own
     * behaviour, tested on fake time in host-gate.test.ts. Here nothing waits.
     */
    function recordingGate() {
      const inner = new InProcessHostGate({ hostConcurrency: 4 });
      const events: string[] = [];
      const gate: HostGate = {
        acquire: async (host) => {
          events.push(`acquire ${host}`);
          return inner.acquire(host);
        },
        slowDown: (host, delayMs) => {
          events.push(`slow down ${host} for ${delayMs} ms`);
        },
      };
      return { gate, events };
    }

    it('retries a 429 after slowing its host down for the seconds Retry-After asks for', async () => {
      const { server, arrivals } = await flakyServer(429, 1, () => ({ 'Retry-After': '3' }));
      const { gate, events } = recordingGate();
      const exchange = await clientFor(server, { hostGate: gate }).fetch('http://t.co/abc');
      expect(exchange.response.status).toBe(200);
      expect(arrivals).toHaveLength(2);
      expect(events).toEqual(['acquire t.co', 'slow down t.co for 3000 ms', 'acquire t.co']);
    });

    it('reads an HTTP-date Retry-After against its clock', async () => {
      const { server } = await flakyServer(429, 1, () => ({ 'Retry-After': 'Mon, 30 Nov 2026 12:00:03 GMT' }));
      const { gate, events } = recordingGate();
      const clock = { now: () => new Date('2026-11-30T12:00:00.250Z') };
      const exchange = await clientFor(server, { hostGate: gate, clock }).fetch('http://t.co/abc');
      expect(exchange.response.status).toBe(200);
      expect(events).toContain('slow down t.co for 2750 ms');
      // The same clock stamps the exchange: its WARC-Date.
      expect(exchange.startedAt.toISOString()).toBe('2026-11-30T12:00:00.250Z');
    });

    it('returns the last 503 as an exchange once the attempts are used up', async () => {
      const { server, arrivals } = await flakyServer(503, 10, () => ({}));
      const exchange = await clientFor(server, { retries: { attempts: 3, baseDelayMs: 10 } }).fetch('http://t.co/abc');
      expect(exchange.response.status).toBe(503);
      expect(exchange.response.body.toString()).toBe('slow down');
      expect(arrivals).toHaveLength(3);
    });

    it('does not wait out a Retry-After longer than maxDelayMs: the answer comes back at once', async () => {
      const { server, arrivals } = await flakyServer(429, 10, () => ({ 'Retry-After': '3600' }));
      const { gate, events } = recordingGate();
      const exchange = await clientFor(server, { hostGate: gate, retries: { maxDelayMs: 100 } }).fetch(
        'http://t.co/abc',
      );
      expect(exchange.response.status).toBe(429);
      expect(arrivals).toHaveLength(1);
      // The host is still held back, for the longest wait allowed.
      expect(events).toEqual(['acquire t.co', 'slow down t.co for 100 ms']);
    });

    it('slows the host down through the gate, so that the next request waits too, not only the retry', async () => {
      const { server } = await flakyServer(429, 1, () => ({ 'Retry-After': '1' }));
      const { gate, events } = recordingGate();
      const client = clientFor(server, { hostGate: gate, retries: { attempts: 1 } });
      expect((await client.fetch('http://t.co/first')).response.status).toBe(429);
      expect((await client.fetch('http://t.co/second')).response.status).toBe(200);
      expect(events).toEqual(['acquire t.co', 'slow down t.co for 1000 ms', 'acquire t.co']);
    });

    it('retries a timeout after a backoff, then throws TIMEOUT naming the request', async () => {
      let requests = 0;
      const server = await serve(() => {
        requests += 1; // and never answer
      });
      const sleeps: number[] = [];
      const client = clientFor(server, {
        timeoutMs: 200,
        retries: { attempts: 2, baseDelayMs: 50 },
        sleep: (ms) => {
          sleeps.push(ms);
          return Promise.resolve();
        },
      });
      const error = await failure(client.fetch('http://user:secret@t.co/slow'));
      expect(error.code).toBe('TIMEOUT');
      expect(error.message).toMatch(/^GET http:\/\/t\.co\/slow: /);
      expect(error.message).not.toContain('secret');
      expect(requests).toBe(2);
      expect(sleeps).toHaveLength(1);
      expect(sleeps[0]).toBeLessThan(50);
    });

    it('does not send a POST again after a timeout', async () => {
      let requests = 0;
      const server = await serve(() => {
        requests += 1;
      });
      const client = clientFor(server, { timeoutMs: 200, sleep: () => Promise.resolve() });
      expect((await failure(client.fetch('http://t.co/save', { method: 'POST', body: 'x' }))).code).toBe('TIMEOUT');
      expect(requests).toBe(1);
    });
  });

  it('keeps at most hostConcurrency requests in flight to one host, each exchange with its own head', async () => {
    let inFlight = 0;
    let mostInFlight = 0;
    const server = await serve((request, response) => {
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      setTimeout(() => {
        inFlight -= 1;
        answer(response, 200, {}, String(request.headers['x-request']));
      }, 100);
    });
    const client = clientFor(server, { hostConcurrency: 2 });
    const exchanges = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        client.fetch(`http://t.co/${index}`, { headers: { 'X-Request': String(index) } }),
      ),
    );
    expect(mostInFlight).toBe(2);
    exchanges.forEach((exchange, index) => {
      expect(exchange.response.status).toBe(200);
      expect(exchange.response.body.toString()).toBe(String(index));
      expect(exchange.request.headers).toContainEqual(['X-Request', String(index)]);
    });
  });

  describe('failures map to stable codes', () => {
    it('TLS: a certificate no trusted CA signed', async () => {
      const server = await serve((_request, response) => answer(response, 200), { certificate: untrustedCertificate });
      const error = await failure(clientFor(server).fetch('https://t.co/abc'));
      expect(error.code).toBe('TLS');
      expect(error.message).toMatch(/^GET https:\/\/t\.co\/abc: self[- ]signed certificate/);
    });

    it('TLS: a trusted certificate for another name (the check stays with the URL host, not the route target)', async () => {
      const server = await serve((_request, response) => answer(response, 200), { certificate: trustedCertificate });
      const error = await failure(clientFor(server).fetch('https://unlisted.org/'));
      expect(error.code).toBe('TLS');
      expect(error.message).toContain('unlisted.org');
    });

    it('TLS: HTTPS spoken to a plain HTTP port', async () => {
      const server = await serve((_request, response) => answer(response, 200));
      expect((await failure(clientFor(server).fetch('https://t.co/abc'))).code).toBe('TLS');
    });

    it('CONNECTION: nothing listens at the port', async () => {
      const client = makeClient({ routes: parseConnectTo(`t.co:80:127.0.0.1:${await freePort()}`) });
      const error = await failure(client.fetch('http://t.co/abc'));
      expect(error.code).toBe('CONNECTION');
      expect(error.message).toMatch(/^GET http:\/\/t\.co\/abc: .*ECONNREFUSED/);
    });

    it('CONNECTION: the server hangs up mid-response', async () => {
      const server = await serve((_request, response) => {
        response.writeHead(200, { 'Content-Length': '100' });
        response.write('only part');
        setTimeout(() => response.socket?.destroy(), 20);
      });
      expect((await failure(clientFor(server).fetch('http://t.co/abc'))).code).toBe('CONNECTION');
    });

    it('DNS: the name does not resolve', async () => {
      const error = await failure(makeClient().fetch('http://gone.example.org/'));
      expect(error.code).toBe('DNS');
      expect(error.message).toMatch(/^GET http:\/\/gone\.example\.org\/: .*ENOTFOUND/);
    });

    it('TIMEOUT, not DNS: the resolver did not answer in time (EAI_AGAIN)', async () => {
      const lookup: LookupFunction = (hostname, _options, callback) => {
        const error = Object.assign(new Error(`getaddrinfo EAI_AGAIN ${hostname}`), {
          code: 'EAI_AGAIN',
          syscall: 'getaddrinfo',
          hostname,
        });
        process.nextTick(() => callback(error, ''));
      };
      const error = await failure(makeClient({ lookup }).fetch('http://slow-resolver.example.org/'));
      expect(error.code).toBe('TIMEOUT');
      expect(error.message).toMatch(/EAI_AGAIN/);
    });

    it('BAD_RESPONSE: an answer that is not HTTP', async () => {
      const garbage = createNetServer((socket) => socket.resume().end('SSH-2.0-OpenSSH_9.6\r\n\r\n'));
      await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve));
      cleanups.push(() => new Promise((resolve) => garbage.close(() => resolve())));
      const { port } = garbage.address() as AddressInfo;
      const client = makeClient({ routes: parseConnectTo(`t.co:80:127.0.0.1:${port}`) });
      expect((await failure(client.fetch('http://t.co/abc'))).code).toBe('BAD_RESPONSE');
    });
  });

  it('refuses the headers the client owns', async () => {
    const server = await serve((_request, response) => answer(response, 200));
    await expect(clientFor(server).fetch('http://t.co/', { headers: { Host: 'evil.test' } })).rejects.toThrow(
      TypeError,
    );
  });
});
