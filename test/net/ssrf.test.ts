// The address guard end to end: URLs a hostile document could cite, each refused
// before a single connection is made, against a real server that counts them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchError } from '../../src/errors.js';
import { HttpClient, parseConnectTo } from '../../src/net/index.js';
import type { HttpClientOptions } from '../../src/net/index.js';
import { answer, offlineLookup, startServer, trustedCertificate } from './servers.js';
import type { TestServer } from './servers.js';

let httpServer: TestServer;
let httpsServer: TestServer;

beforeAll(async () => {
  httpServer = await startServer((_request, response) => answer(response, 200, {}, 'reached'));
  httpsServer = await startServer((_request, response) => answer(response, 200, {}, 'reached'), {
    certificate: trustedCertificate,
  });
});

afterAll(async () => {
  await httpServer.close();
  await httpsServer.close();
});

async function withClient<T>(options: Partial<HttpClientOptions>, use: (client: HttpClient) => Promise<T>): Promise<T> {
  const client = new HttpClient({
    routes: [],
    userAgent: 'citesnap-test/1',
    timeoutMs: 2000,
    maxBodyBytes: 1024,
    hostConcurrency: 4,
    lookup: offlineLookup({}),
    retries: { attempts: 1 },
    ...options,
  });
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

/** Fetches `url` expecting a refusal; returns it. */
async function refusal(client: HttpClient, url: string): Promise<FetchError> {
  const error = await client.fetch(url).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error, `${url} was fetched`).toBeInstanceOf(FetchError);
  return error as FetchError;
}

function connectionsMade(): number {
  return httpServer.connections + httpsServer.connections;
}

describe('the address guard', () => {
  // `P` becomes the test server's port, so that a spelling the guard let through
  // would reach the server and be counted, not some other machine.
  const blockedAddresses = [
    'http://127.0.0.1:P/',
    'http://127.1:P/',
    'http://127.0.1:P/',
    'http://0177.0.0.1:P/',
    'http://0x7f.1:P/',
    'http://0x7f.0x0.0x0.0x1:P/',
    'http://2130706433:P/',
    'http://0x7f000001:P/',
    'http://017700000001:P/',
    'http://127.000.000.001:P/',
    'http://127.0.0.1.:P/',
    'http://%31%32%37.0.0.1:P/',
    'http://127。0。0。1:P/',
    'http://[::1]:P/',
    'http://[0:0:0:0:0:0:0:1]:P/',
    'http://[::ffff:127.0.0.1]:P/',
    'http://[::ffff:7f00:1]:P/',
    'http://[::127.0.0.1]:P/',
    'http://[64:ff9b::127.0.0.1]:P/',
    'http://[2002:7f00:1::]:P/',
    'http://[::]:P/',
    'http://0.0.0.0:P/',
    'http://0:P/',
    'http://localhost:P/',
    'http://LOCALHOST.:P/',
    'http://api.localhost:P/',
    'https://localhost:P/',
    'http://printer.local:P/',
    'http://metadata.google.internal:P/computeMetadata/v1/',
    'http://169.254.169.254:P/latest/meta-data/',
    'http://[fd00:ec2::254]:P/latest/meta-data/',
    'http://10.0.0.1:P/',
    'http://172.16.0.1:P/',
    'http://192.168.1.1:P/',
    'http://100.64.0.1:P/',
    'http://[fe80::1]:P/',
    'http://[fc00::1]:P/',
    'http://224.0.0.1:P/',
    'http://255.255.255.255:P/',
    'http://198.18.0.1:P/',
    'http://192.0.2.1:P/',
    'http://user:password@127.0.0.1:P/',
  ];

  it.each(blockedAddresses)('refuses %s with BLOCKED_ADDRESS and connects to nothing', async (template) => {
    const url = template.replace('P', String(template.startsWith('https') ? httpsServer.port : httpServer.port));
    const before = connectionsMade();
    const error = await withClient({}, (client) => refusal(client, url));
    expect(error.code).toBe('BLOCKED_ADDRESS');
    expect(error.message).toMatch(/^GET http/);
    expect(error.message).not.toContain('password');
    expect(connectionsMade()).toBe(before);
  });

  it.each([
    'file:///etc/passwd',
    'ftp://example.com/',
    'gopher://127.0.0.1:70/_stats',
    'data:text/plain,hi',
    'javascript:alert(1)',
    'ws://example.com/',
    'not a url',
  ])('refuses %s with BLOCKED_SCHEME', async (url) => {
    const before = connectionsMade();
    const error = await withClient({}, (client) => refusal(client, url));
    expect(error.code).toBe('BLOCKED_SCHEME');
    expect(connectionsMade()).toBe(before);
  });

  it('refuses, at connect time, a name whose DNS answer is a private address', async () => {
    const lookup = offlineLookup({
      'rebound.example.com': ['127.0.0.1'],
      'mixed.example.com': ['93.184.216.34', '10.1.2.3'],
    });
    const before = connectionsMade();
    await withClient({ lookup }, async (client) => {
      const error = await refusal(client, `http://rebound.example.com:${httpServer.port}/`);
      expect(error.code).toBe('BLOCKED_ADDRESS');
      expect(error.message).toBe(
        `GET http://rebound.example.com:${httpServer.port}/: rebound.example.com resolves to 127.0.0.1, not a public address`,
      );
      expect((await refusal(client, 'http://mixed.example.com/')).code).toBe('BLOCKED_ADDRESS');
    });
    expect(lookup.calls).toEqual(['rebound.example.com', 'mixed.example.com']);
    expect(connectionsMade()).toBe(before);
  });

  it('asks DNS and checks the answer anew for every connection, so no verdict outlives a rebinding', async () => {
    const lookup = offlineLookup({ 'flip.example.com': ['127.0.0.1'] });
    await withClient({ lookup }, async (client) => {
      expect((await refusal(client, `http://flip.example.com:${httpServer.port}/`)).code).toBe('BLOCKED_ADDRESS');
      expect((await refusal(client, `http://flip.example.com:${httpServer.port}/again`)).code).toBe('BLOCKED_ADDRESS');
    });
    expect(lookup.calls).toEqual(['flip.example.com', 'flip.example.com']);
  });

  it('connects a name a route maps to loopback, unchecked, with TLS still checked for that name', async () => {
    const routes = parseConnectTo(`t.co:443:127.0.0.1:${httpsServer.port}`);
    const before = httpsServer.connections;
    const exchange = await withClient({ routes }, (client) => client.fetch('https://t.co/abc'));
    expect(exchange.response.body.toString()).toBe('reached');
    expect(exchange.remoteAddress).toBe('127.0.0.1');
    expect(exchange.request.headers[0]).toEqual(['host', 't.co']);
    expect(httpsServer.connections).toBe(before + 1);
  });

  it('refuses IP literals and local-only names even when a route matches them', async () => {
    const routes = parseConnectTo(`::127.0.0.1:${httpServer.port}`); // any host, any port
    const before = connectionsMade();
    await withClient({ routes }, async (client) => {
      for (const url of [
        `http://127.0.0.1:${httpServer.port}/`,
        'http://[::1]/',
        'http://localhost/',
        'http://router.local/',
        'http://db.internal/',
      ]) {
        expect((await refusal(client, url)).code).toBe('BLOCKED_ADDRESS');
      }
    });
    expect(connectionsMade()).toBe(before);
    // The same catch-all route does take a host name to the server.
    const exchange = await withClient({ routes }, (client) => client.fetch('http://news.example.com/'));
    expect(exchange.response.status).toBe(200);
    expect(connectionsMade()).toBe(before + 1);
  });

  it('keeps the address check for a route that only changes the port', async () => {
    const routes = parseConnectTo(`rebound.example.com:80::${httpServer.port}`);
    const lookup = offlineLookup({ 'rebound.example.com': ['127.0.0.1'] });
    const before = connectionsMade();
    const error = await withClient({ routes, lookup }, (client) => refusal(client, 'http://rebound.example.com/'));
    expect(error.code).toBe('BLOCKED_ADDRESS');
    expect(connectionsMade()).toBe(before);
  });
});
