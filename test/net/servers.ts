// Small real servers on loopback for the net tests, and a DNS that never leaves the process.
import type { LookupAddress } from 'node:dns';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, LookupFunction } from 'node:net';

const tlsDir = new URL('../support/tls/', import.meta.url);
const fixturesDir = new URL('./fixtures/', import.meta.url);

/** The leaf certificate the project's test CA signed (trusted through NODE_EXTRA_CA_CERTS). */
export const trustedCertificate = {
  cert: readFileSync(new URL('upstream.pem', tlsDir)),
  key: readFileSync(new URL('upstream-key.pem', tlsDir)),
};

/** A self-signed certificate for the same names that nobody trusts. */
export const untrustedCertificate = {
  cert: readFileSync(new URL('untrusted.pem', fixturesDir)),
  key: readFileSync(new URL('untrusted-key.pem', fixturesDir)),
};

export interface TestServer {
  port: number;
  /** TCP connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

export interface StartServerOptions {
  /** Serve HTTPS with this certificate; plain HTTP when absent. */
  certificate?: { cert: Buffer; key: Buffer };
}

export async function startServer(
  handler: RequestListener,
  { certificate }: StartServerOptions = {},
): Promise<TestServer> {
  const server: Server =
    certificate === undefined ? createHttpServer(handler) : createHttpsServer(certificate, handler);
  let connections = 0;
  server.on('connection', () => {
    connections += 1;
  });
  // A TLS handshake the client refuses is expected in these tests, not a server error.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A port nothing listens on: one just freed. */
export async function freePort(): Promise<number> {
  const server = await startServer(() => undefined);
  await server.close();
  return server.port;
}

/**
 * A dns.lookup stand-in that knows only `answers` and fails every other name with
 * ENOTFOUND, so that no test ever asks the real DNS.
 */
export function offlineLookup(answers: Record<string, string[]>): LookupFunction & { calls: string[] } {
  const calls: string[] = [];
  const lookup: LookupFunction = (hostname, options, callback) => {
    calls.push(hostname);
    const addresses = answers[hostname];
    if (addresses === undefined) {
      const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
        code: 'ENOTFOUND',
        syscall: 'getaddrinfo',
        hostname,
      });
      process.nextTick(() => callback(error, ''));
      return;
    }
    const all: LookupAddress[] = addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    const [first] = all;
    process.nextTick(() => {
      if (options.all === true) callback(null, all);
      else callback(null, first?.address ?? '', first?.family);
    });
  };
  return Object.assign(lookup, { calls });
}

/** Reads a request body to the end. */
export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The header pairs a request arrived with, in order and case. */
export function receivedHeaders(request: IncomingMessage): [string, string][] {
  const pairs: [string, string][] = [];
  for (let index = 0; index + 1 < request.rawHeaders.length; index += 2) {
    pairs.push([request.rawHeaders[index] ?? '', request.rawHeaders[index + 1] ?? '']);
  }
  return pairs;
}

/** Sends `status` with `headers` and `body`. */
export function answer(
  response: ServerResponse,
  status: number,
  headers: Record<string, string> = {},
  body: string | Buffer = '',
): void {
  response.writeHead(status, headers);
  response.end(body);
}
