import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

import type { PostInput, PostState } from './post-model.js';
import type { FailureOptions, PageOptions, ShortLinkOptions, WaybackSnapshotInput } from './scenario.js';
import { Scenario } from './scenario.js';
import type { UpstreamHandler, UpstreamRequest } from './respond.js';
import { delay, sendJson, sendStatus } from './respond.js';
import type { HostTraffic, RequestLogEntry } from './traffic.js';
import { TrafficLog } from './traffic.js';
import { serveMedia } from './media.js';
import { serveOembed } from './oembed.js';
import { servePage } from './pages.js';
import { servePicTwitter, serveShortLink } from './short-links.js';
import { serveSyndication } from './syndication.js';
import { serveWayback, serveWaybackAvailability } from './wayback.js';
import type { WaybackCopyInput } from './wayback-copies.js';
import { redirectToX, serveX, TWITTER_HOSTS, X_HOSTS } from './x-com.js';

export interface FakeUpstreamOptions {
  /** Added before every answer, to stand for a distant upstream in benchmarks. Default 0. */
  latencyMs?: number;
}

/** The environment a spawned citesnap needs to reach the fake upstreams. */
export interface FakeUpstreamEnv {
  CITESNAP_CONNECT_TO: string;
  NODE_EXTRA_CA_CERTS: string;
}

/** Counts per host, as `GET http://127.0.0.1:<httpPort>/__fake/stats` returns them. */
export interface FakeUpstreamStats {
  requests: number;
  hosts: Record<string, HostTraffic>;
}

const TLS_DIR = new URL('../tls/', import.meta.url);
/**
 * How long an idle connection stays open. Node's default (5 s) is Apache's; the CDNs
 * and nginx front ends of the real upstreams keep one open far longer (nginx's
 * default keepalive_timeout is 75 s). With 5 s, undici (which stops reusing a
 * connection 2 s before the server's announced timeout) reconnected after every pause
 * longer than 3 s, so a loaded bench measured TLS handshakes the real services would
 * not have asked for.
 */
const KEEP_ALIVE_TIMEOUT_MS = 75_000;
/** The test CA that signed the certificate the fake upstreams serve. */
export const TEST_CA_PATH = fileURLToPath(new URL('ca.pem', TLS_DIR));

/** The upstreams built in, by host name. */
const BUILT_IN_UPSTREAMS = new Map<string, UpstreamHandler>([
  ['t.co', serveShortLink],
  ['pic.twitter.com', servePicTwitter],
  ...TWITTER_HOSTS.map((host) => [host, redirectToX] as const),
  ...X_HOSTS.map((host) => [host, serveX] as const),
  ['publish.twitter.com', serveOembed],
  ['cdn.syndication.twimg.com', serveSyndication],
  ['pbs.twimg.com', serveMedia],
  ['archive.org', serveWaybackAvailability],
  ['web.archive.org', serveWayback],
]);

/** Requests to these names are the test's own, to the fake itself: not logged, not counted. */
const CONTROL_HOSTS = new Set(['127.0.0.1', 'localhost']);

/**
 * Loopback HTTPS and HTTP servers that behave like t.co, twitter.com and x.com,
 * syndication, oEmbed, pbs.twimg.com, the Wayback Machine and any news site a test
 * adds (docs/upstreams.md). One HTTPS and one HTTP port serve every host, told apart
 * by the Host header; clients reach them through `routes` (curl --connect-to form)
 * and trust them through the test CA.
 */
export class FakeUpstream {
  private readonly scenario = new Scenario();
  private readonly traffic = new TrafficLog();
  /** Aborted by close(): ends delays, hanging pages and streams. */
  private readonly closing = new AbortController();
  private readonly servers: Server[];
  private readonly latencyMs: number;
  readonly httpsPort: number;
  readonly httpPort: number;

  private constructor(servers: { https: Server; http: Server }, latencyMs: number) {
    this.servers = [servers.https, servers.http];
    this.latencyMs = latencyMs;
    this.httpsPort = (servers.https.address() as AddressInfo).port;
    this.httpPort = (servers.http.address() as AddressInfo).port;
    servers.https.on(
      'request',
      (request: IncomingMessage, response: ServerResponse) => void this.handle('https', request, response),
    );
    servers.http.on(
      'request',
      (request: IncomingMessage, response: ServerResponse) => void this.handle('http', request, response),
    );
  }

  static async start(options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
    const latencyMs = options.latencyMs ?? 0;
    if (!Number.isFinite(latencyMs) || latencyMs < 0)
      throw new Error(`FakeUpstream: latencyMs must be >= 0, got ${latencyMs}`);
    const [cert, key] = await Promise.all([
      readFile(new URL('upstream.pem', TLS_DIR)),
      readFile(new URL('upstream-key.pem', TLS_DIR)),
    ]);
    const https = createHttpsServer({ cert, key, keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS });
    const http = createHttpServer({ keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS });
    await Promise.all(
      [https, http].map(async (server) => {
        server.listen(0, '127.0.0.1');
        await once(server, 'listening');
      }),
    );
    return new FakeUpstream({ https, http }, latencyMs);
  }

  /**
   * CITESNAP_CONNECT_TO routes (`HOST:PORT:127.0.0.1:PORT`, comma-separated) for every
   * host served: the built-in upstreams and the hosts of the pages, redirects and
   * failures added so far, each on 443 and 80 (and any other port a page names). Host
   * names are explicit, never empty, so a name left out is still guarded.
   */
  get routes(): string {
    const routes: string[] = [];
    for (const host of new Set([...BUILT_IN_UPSTREAMS.keys(), ...this.scenario.hosts()])) {
      routes.push(`${host}:443:127.0.0.1:${this.httpsPort}`, `${host}:80:127.0.0.1:${this.httpPort}`);
    }
    for (const origin of this.scenario.originsOnOtherPorts()) {
      routes.push(`${origin.host}:${origin.port}:127.0.0.1:${origin.secure ? this.httpsPort : this.httpPort}`);
    }
    return [...new Set(routes)].join(',');
  }

  /** For spawning the CLI; read it after setting up pages, since `routes` names their hosts. */
  get env(): FakeUpstreamEnv {
    return { CITESNAP_CONNECT_TO: this.routes, NODE_EXTRA_CA_CERTS: TEST_CA_PATH };
  }

  addPost(post: PostInput): void {
    this.scenario.addPost(post);
  }

  /** Changes what the upstreams say about a post from the next request on (e.g. deleted after capture). */
  setPostState(id: string, state: PostState): void {
    this.scenario.setPostState(id, state);
  }

  /** t.co/<code> leads to `targetUrl`. */
  addShortLink(code: string, targetUrl: string, options: ShortLinkOptions = {}): void {
    this.scenario.addShortLink(code, targetUrl, options);
  }

  /**
   * Serves a page at `url`, on any host. Over https, the names the test certificate
   * covers for Node clients are example.com, *.example.com, news.test and *.news.test
   * (its *.test and *.example are wildcards over all but one label, which Node refuses):
   * a page on site.test is served, but its TLS handshake fails, as a real name mismatch would.
   */
  addPage(url: string, options: PageOptions = {}): void {
    this.scenario.addPage(url, options);
  }

  addRedirect(url: string, location: string, status = 301): void {
    this.scenario.addRedirect(url, location, status);
  }

  addWaybackSnapshot(originalUrl: string, snapshot: WaybackSnapshotInput): void {
    this.scenario.addWaybackSnapshot(originalUrl, snapshot);
  }

  /**
   * Gives an added post a copy in the Wayback Machine, made from the post as it is now
   * (add the copy before changing its text or state): the HTML of its x.com page, or for
   * an old capture the JSON of its twitter.com URL. CDX queries list it.
   */
  addWaybackCopy(postId: string, copy: WaybackCopyInput): void {
    this.scenario.addWaybackCopy(postId, copy);
  }

  /**
   * The next `statuses.length` requests for `target` (a URL, matched with its query, or
   * a host name) are answered with these statuses, in order, before anything else.
   */
  failNext(target: string, statuses: readonly number[], options: FailureOptions = {}): void {
    this.scenario.failNext(target, statuses, options);
  }

  /** Every request so far (since the last reset), oldest first. */
  get requests(): RequestLogEntry[] {
    return this.traffic.requests();
  }

  requestCount(host?: string): number {
    return this.traffic.requestCount(host);
  }

  inFlight(host: string): number {
    return this.traffic.host(host).inFlight;
  }

  maxInFlight(host: string): number {
    return this.traffic.host(host).maxInFlight;
  }

  stats(): FakeUpstreamStats {
    return { requests: this.traffic.requestCount(), hosts: this.traffic.byHost() };
  }

  /** Forgets the scenario, the log and the counts. */
  reset(): void {
    this.scenario.clear();
    this.traffic.reset();
  }

  /** Stops both servers, ending requests still open (hanging pages included) before it resolves. */
  async close(): Promise<void> {
    this.closing.abort();
    await Promise.all([
      ...this.servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
      this.traffic.idle(),
    ]);
  }

  private async handle(scheme: 'http' | 'https', incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    // Request bodies (form posts to news sites) mean nothing here; let them drain.
    incoming.resume();
    let url: URL;
    try {
      url = new URL(`${scheme}://${incoming.headers.host ?? ''}${incoming.url ?? '/'}`);
    } catch {
      response.writeHead(400).end();
      return;
    }
    const host = url.hostname.toLowerCase();
    const clientGone = new AbortController();
    const request: UpstreamRequest = {
      scheme,
      host,
      url,
      method: incoming.method ?? 'GET',
      headers: incoming.headers,
      signal: AbortSignal.any([this.closing.signal, clientGone.signal]),
    };
    if (CONTROL_HOSTS.has(host) && url.pathname === '/__fake/stats')
      return sendJson(request, response, 200, this.stats());

    const ended = this.traffic.begin({
      scheme,
      host,
      method: request.method,
      path: incoming.url ?? '/',
      userAgent: incoming.headers['user-agent'] ?? '',
      at: Date.now(),
    });
    // A response has ended for the client's purposes once its last bytes are handed to the
    // socket: 'prefinish' comes synchronously inside end(), before the client can read
    // them, whereas 'finish' and 'close' may come after a client on this same event loop
    // has already moved on. 'close' also covers a connection that dies first.
    response.once('prefinish', () => ended(response.statusCode));
    response.once('close', () => {
      ended(response.headersSent ? response.statusCode : 0);
      clientGone.abort();
    });
    // Taken on arrival, so that "the next N requests" means the order they came in.
    const failure = this.scenario.takeFailure(url);
    try {
      await delay(this.latencyMs, request.signal);
      if (failure !== undefined) {
        return sendStatus(
          request,
          response,
          failure.status,
          failure.retryAfter === undefined ? {} : { 'retry-after': failure.retryAfter },
        );
      }
      const page = this.scenario.page(url);
      if (page !== undefined) return await servePage(request, response, page);
      const upstream = BUILT_IN_UPSTREAMS.get(host);
      if (upstream !== undefined) return await upstream(request, response, this.scenario);
      sendStatus(request, response, 404);
    } catch (error) {
      if (request.signal.aborted) return;
      // A bug in the fake: say so to the client, loudly, rather than hang the test.
      if (!response.headersSent) {
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        response.end(
          `fake upstream failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
        );
      } else {
        response.destroy();
      }
    }
  }
}
