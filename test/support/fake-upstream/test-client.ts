import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { gunzipSync } from 'node:zlib';
import type { Dispatcher } from 'undici';
import { Agent, buildConnector, request } from 'undici';

import { afterAll, afterEach, beforeAll } from 'vitest';

import { FakeUpstream, TEST_CA_PATH } from './fake-upstream.js';

/**
 * An undici Agent that connects every host name to the fake upstream on 127.0.0.1
 * (https to its HTTPS port, http to its HTTP port) while keeping the name for SNI,
 * certificate checks and the Host header: what CITESNAP_CONNECT_TO does for citesnap,
 * for tests that talk to the fake directly. It trusts the test CA itself rather than
 * through NODE_EXTRA_CA_CERTS, which a machine may already point elsewhere.
 */
export function createRoutedAgent(ports: { httpsPort: number; httpPort: number }, options: Agent.Options = {}): Agent {
  const connect = buildConnector({ ca: [...rootCertificates, readFileSync(TEST_CA_PATH, 'utf8')] });
  return new Agent({
    ...options,
    connect: (target, callback) => {
      const secure = target.protocol === 'https:';
      connect(
        {
          ...target,
          hostname: '127.0.0.1',
          port: String(secure ? ports.httpsPort : ports.httpPort),
          servername: target.hostname,
        },
        callback,
      );
    },
  });
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The bytes as they came off the wire (still gzipped where they were). */
  body: Buffer;
  /** The body decoded from gzip where Content-Encoding says so, as UTF-8 text. */
  text: string;
}

export interface FetchOptions {
  method?: Dispatcher.HttpMethod;
  /** Default none: undici sends no User-Agent and no Accept-Encoding of its own. */
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** One request, no redirects followed, the whole answer read. */
export async function fetchAnswer(dispatcher: Dispatcher, url: string, options: FetchOptions = {}): Promise<Answer> {
  const response = await request(url, {
    dispatcher,
    method: options.method ?? 'GET',
    headers: options.headers ?? {},
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const body = Buffer.from(await response.body.arrayBuffer());
  const decoded = response.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
  return { status: response.statusCode, headers: response.headers, body, text: decoded.toString('utf8') };
}

/**
 * One fake upstream and a routed agent for a test file: started before its tests,
 * its scenario reset after each, both closed after all. Read them through the
 * returned object (they exist once the file's tests run).
 */
export function useFakeUpstream(): { readonly upstream: FakeUpstream; readonly agent: Agent } {
  const started: { upstream?: FakeUpstream; agent?: Agent } = {};
  beforeAll(async () => {
    started.upstream = await FakeUpstream.start();
    started.agent = createRoutedAgent(started.upstream);
  });
  afterEach(() => started.upstream?.reset());
  afterAll(async () => {
    await started.agent?.close();
    await started.upstream?.close();
  });
  return {
    get upstream() {
      if (!started.upstream) throw new Error('useFakeUpstream: the fake upstream is read before the tests run');
      return started.upstream;
    },
    get agent() {
      if (!started.agent) throw new Error('useFakeUpstream: the agent is read before the tests run');
      return started.agent;
    },
  };
}
