import { lookup as dnsLookup } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { Agent } from 'undici';
import type { Dispatcher } from 'undici';
import { asError, FetchError, messageOf } from '../errors.js';
import { systemClock, type Clock } from '../model/clock.js';
import { buildGuardedConnector } from './connector.js';
import type { DecodeLimits } from './content-encoding.js';
import { RecordedExchange } from './exchange.js';
import type { HttpExchange } from './exchange.js';
import { toFetchError } from './fetch-errors.js';
import { InProcessHostGate } from './host-gate.js';
import type { HostGate } from './host-gate.js';
import { RequestHeadTap } from './request-head-tap.js';
import type { SentRequestHead } from './request-head-tap.js';
import { backoffDelay, parseRetryAfter } from './retry-timing.js';
import type { ConnectRoute } from './routes.js';

export interface RetryOptions {
  /** Attempts in all, the first included; 1 means no retry. Default 3. */
  attempts?: number;
  /** The ceiling of the first backoff delay; later ones double it. Default 1000 ms. */
  baseDelayMs?: number;
  /**
   * The longest wait before a retry. A Retry-After asking for longer ends the
   * retries at once (the answer is returned; a queue can wait for it better than
   * a request can), and the host is slowed down for this long. Default 30000 ms.
   */
  maxDelayMs?: number;
}

export interface HttpClientOptions {
  /** CITESNAP_CONNECT_TO: a host name a route maps is connected to the mapped address, unchecked. */
  routes: readonly ConnectRoute[];
  /** The User-Agent of every request that does not set its own. */
  userAgent: string;
  /** Milliseconds allowed for connecting (DNS, TCP and TLS), for the response head, and between body chunks. */
  timeoutMs: number;
  /** Bytes of a response body kept; the download stops there and the exchange is marked truncated. */
  maxBodyBytes: number;
  /** Requests in flight to one host at once, when the default gate is used. */
  hostConcurrency: number;
  /** Per-host limits shared with other clients (e.g. across queue workers). Default: an InProcessHostGate of `hostConcurrency`. */
  hostGate?: HostGate;
  /** Chained Content-Encodings decodedBody() undoes before refusing the body. Default 2. */
  maxContentEncodings?: number;
  /** Bytes decodedBody() may produce, against compression bombs. Default 8 × maxBodyBytes. */
  maxDecodedBytes?: number;
  retries?: RetryOptions;
  /** Resolves host names; tests make a name resolve where they need it. Default: node:dns lookup. */
  lookup?: LookupFunction;
  /** Waits before retrying a timed-out request. Default: a real timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Stamps each exchange's start (its WARC-Date) and reads a Retry-After date against it. Default: the wall clock. */
  clock?: Clock;
}

export type HttpMethod = 'GET' | 'HEAD' | 'POST';

export interface FetchInit {
  /** Default GET. */
  method?: HttpMethod;
  /**
   * Request header fields, sent in this order after User-Agent and Accept-Encoding;
   * a field of the same name replaces either default. Host, Connection and
   * Content-Length are the client's to send.
   */
  headers?: Record<string, string>;
  /** This request's User-Agent, e.g. a non-browser one for t.co. Default: the client's. */
  userAgent?: string;
  /** A request body, sent as UTF-8. */
  body?: string;
  /** Where the request waits at a full host gate: lower first (see HostGate.acquire). */
  order?: number;
}

/** Statuses with which a host asks for less traffic: retried, and they slow the host down. */
const SLOW_DOWN_STATUSES = new Set([429, 503]);
/** Methods safe to send again after a timeout, when the first copy may have arrived. */
const IDEMPOTENT_METHODS = new Set<HttpMethod>(['GET', 'HEAD']);
/** Header fields undici writes itself, from the URL and the body. */
const CLIENT_OWNED_HEADERS = new Set(['host', 'connection', 'content-length', 'transfer-encoding']);

interface PreparedRequest {
  target: URL;
  /** `METHOD url` with credentials stripped, to start every error message with. */
  label: string;
  method: HttpMethod;
  headers: [string, string][];
  body: Buffer | undefined;
  order: number | undefined;
}

/**
 * The one guarded HTTP client (contract section 5). It makes one request per
 * fetch() and never follows redirects: the resolver records every hop itself.
 * Every connection goes through the address guard; 429, 503 and timeouts are
 * retried with backoff; bodies are kept as they came off the wire, up to a cap.
 */
export class HttpClient {
  readonly #agent: Agent;
  readonly #requestHeads = new RequestHeadTap();
  readonly #hostGate: HostGate;
  readonly #userAgent: string;
  readonly #maxBodyBytes: number;
  readonly #decodeLimits: DecodeLimits;
  readonly #retries: Required<RetryOptions>;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #clock: Clock;

  constructor(options: HttpClientOptions) {
    this.#retries = {
      attempts: options.retries?.attempts ?? 3,
      baseDelayMs: options.retries?.baseDelayMs ?? 1000,
      maxDelayMs: options.retries?.maxDelayMs ?? 30_000,
    };
    if (!Number.isInteger(this.#retries.attempts) || this.#retries.attempts < 1) {
      throw new RangeError(`retries.attempts must be an integer of 1 or more, not ${this.#retries.attempts}`);
    }
    this.#userAgent = options.userAgent;
    this.#maxBodyBytes = options.maxBodyBytes;
    const defaults = defaultDecodeLimits(options.maxBodyBytes);
    this.#decodeLimits = {
      maxContentEncodings: options.maxContentEncodings ?? defaults.maxContentEncodings,
      maxDecodedBytes: options.maxDecodedBytes ?? defaults.maxDecodedBytes,
    };
    this.#clock = options.clock ?? systemClock;
    this.#hostGate =
      options.hostGate ?? new InProcessHostGate({ hostConcurrency: options.hostConcurrency, clock: this.#clock });
    this.#sleep = options.sleep ?? ((ms) => delay(ms));
    this.#agent = new Agent({
      connect: buildGuardedConnector({
        routes: options.routes,
        lookup: options.lookup ?? dnsLookup,
        timeoutMs: options.timeoutMs,
      }),
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  /**
   * Makes one request, retrying 429 and 503 answers (all methods) and timeouts
   * (GET and HEAD only) with exponential backoff and jitter, or as long as
   * Retry-After asks. A 429 or 503 after the last attempt is returned, for the
   * caller to decide; any other status is returned at once. Failures throw a
   * FetchError whose code is TIMEOUT, DNS, TLS, CONNECTION, BLOCKED_ADDRESS,
   * BLOCKED_SCHEME or BAD_RESPONSE, and whose message names the method and URL.
   */
  async fetch(url: string, init: FetchInit = {}): Promise<HttpExchange> {
    const request = this.#prepare(url, init);
    const host = request.target.hostname;
    const { attempts, maxDelayMs } = this.#retries;
    for (let attempt = 1; ; attempt += 1) {
      const isLastAttempt = attempt === attempts;
      let exchange: RecordedExchange;
      try {
        exchange = await this.#attempt(request);
      } catch (error) {
        const retryable =
          error instanceof FetchError && error.code === 'TIMEOUT' && IDEMPOTENT_METHODS.has(request.method);
        if (!retryable || isLastAttempt) throw error;
        await this.#sleep(this.#backoff(attempt));
        continue;
      }
      if (!SLOW_DOWN_STATUSES.has(exchange.response.status)) return exchange;

      const retryAfterMs = parseRetryAfter(exchange.header('retry-after'), this.#clock.now());
      const waitMs = Math.min(retryAfterMs ?? this.#backoff(attempt), maxDelayMs);
      // The gate holds back every request to this host, this one's retry included.
      await this.#hostGate.slowDown(host, waitMs);
      if (isLastAttempt || (retryAfterMs ?? 0) > maxDelayMs) return exchange;
    }
  }

  /** Lets requests in flight finish, then closes the connections; fetch() must not be called afterwards. */
  async close(): Promise<void> {
    await this.#agent.close();
    this.#requestHeads.close();
  }

  #prepare(url: string, init: FetchInit): PreparedRequest {
    const method = init.method ?? 'GET';
    let target: URL;
    try {
      target = new URL(url);
    } catch (error) {
      throw new FetchError('BLOCKED_SCHEME', `${method} ${url.replace(/\/\/[^/]*@/, '//')}: not an absolute URL`, {
        cause: error,
      });
    }
    // Neither is ever sent; keeping them out of the exchange keeps them out of the WARC and the logs.
    target.username = '';
    target.password = '';
    target.hash = '';
    const label = `${method} ${target.href}`;
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      throw new FetchError('BLOCKED_SCHEME', `${label}: only http and https URLs are fetched`);
    }
    const body = init.body === undefined ? undefined : Buffer.from(init.body, 'utf8');
    return { target, label, method, headers: this.#headersFor(init), body, order: init.order };
  }

  #headersFor(init: FetchInit): [string, string][] {
    const headers = new Map<string, [string, string]>([
      ['user-agent', ['user-agent', init.userAgent ?? this.#userAgent]],
      ['accept-encoding', ['accept-encoding', 'gzip, deflate, br']],
    ]);
    for (const [name, value] of Object.entries(init.headers ?? {})) {
      const key = name.toLowerCase();
      if (CLIENT_OWNED_HEADERS.has(key))
        throw new TypeError(`the ${name} header is set by the HTTP client, not by callers`);
      headers.set(key, [name, value]);
    }
    return [...headers.values()];
  }

  #backoff(attempt: number): number {
    return backoffDelay(attempt, {
      baseMs: this.#retries.baseDelayMs,
      maxMs: this.#retries.maxDelayMs,
      random: Math.random,
    });
  }

  /**
   * One attempt, holding a place at the host gate until its body is read. A place lost
   * meanwhile (a shared gate could not renew its lease) cuts the request short, as a
   * timeout: GET and HEAD are tried again, under a new place.
   */
  async #attempt(request: PreparedRequest): Promise<RecordedExchange> {
    const place = await this.#hostGate.acquire(request.target.hostname, undefined, request.order);
    try {
      return await this.#dispatch(request, place.lost);
    } catch (error) {
      if (place.lost.aborted) {
        throw new FetchError('TIMEOUT', `${request.label}: cut short: ${messageOf(place.lost.reason)}`, {
          cause: error,
        });
      }
      throw toFetchError(error, request.label);
    } finally {
      place();
    }
  }

  #dispatch({ target, method, headers, body }: PreparedRequest, lost: AbortSignal): Promise<RecordedExchange> {
    if (lost.aborted) return Promise.reject(asError(lost.reason));
    return new Promise((resolve, reject) => {
      let controller: Dispatcher.DispatchController | undefined;
      const stopOnLoss = () => controller?.abort(asError(lost.reason));
      lost.addEventListener('abort', stopOnLoss, { once: true });
      const settle = {
        resolve: (exchange: RecordedExchange) => {
          lost.removeEventListener('abort', stopOnLoss);
          resolve(exchange);
        },
        reject: (error: unknown) => {
          lost.removeEventListener('abort', stopOnLoss);
          reject(asError(error));
        },
      };
      this.#dispatchWith({ target, method, headers, body }, settle, (started) => {
        controller = started;
        if (lost.aborted) started.abort(asError(lost.reason));
      });
    });
  }

  /** Sends the request through the guarded agent; `onStart` receives undici's controller, to abort it. */
  #dispatchWith(
    { target, method, headers, body }: Omit<PreparedRequest, 'label' | 'order'>,
    { resolve, reject }: { resolve: (exchange: RecordedExchange) => void; reject: (error: unknown) => void },
    onStart: (controller: Dispatcher.DispatchController) => void,
  ): void {
    const startedAt = this.#clock.now();
    // Made only when a body reaches the cap: an Error captures a stack trace, which every request would pay for.
    let bodyCapReached: Error | undefined;
    let sentHead: SentRequestHead | undefined;
    let response: { status: number; statusText: string; headers: [string, string][] } | undefined;
    const chunks: Buffer[] = [];
    let received = 0;
    let truncated = false;

    const finish = () => {
      if (sentHead === undefined || response === undefined) {
        reject(new Error('undici finished a request without reporting its head and response'));
        return;
      }
      resolve(
        new RecordedExchange({
          url: target.href,
          method,
          startedAt,
          remoteAddress: sentHead.remoteAddress,
          requestHeaders: [...sentHead.headers, ...contentLengthField(method, body)],
          status: response.status,
          statusText: response.statusText,
          responseHeaders: response.headers,
          body: Buffer.concat(chunks, received),
          truncated,
          decodeLimits: this.#decodeLimits,
        }),
      );
    };

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart: (controller) => {
        this.#requestHeads.receiveNext((head) => {
          sentHead = head;
        });
        onStart(controller);
      },
      onResponseStart: (controller, status, _headers, statusText) => {
        response = { status, statusText: statusText ?? '', headers: headerPairs(controller.rawHeaders) };
      },
      onResponseData: (controller, chunk) => {
        const room = this.#maxBodyBytes - received;
        if (chunk.length <= room) {
          chunks.push(chunk);
          received += chunk.length;
          return;
        }
        chunks.push(chunk.subarray(0, room));
        received += room;
        truncated = true;
        bodyCapReached = new Error('body cap reached');
        // Aborting destroys the socket: the rest of the body is never downloaded.
        controller.abort(bodyCapReached);
      },
      onResponseEnd: finish,
      onResponseError: (_controller, error) => {
        if (bodyCapReached !== undefined && error === bodyCapReached) finish();
        else reject(error);
      },
    };

    this.#agent.dispatch(
      {
        origin: target.origin,
        path: `${target.pathname}${target.search}`,
        method,
        headers: headers.flat(),
        body: body ?? null,
      },
      handler,
    );
  }
}

/** How far decodedBody() undoes a body kept at `maxBodyBytes`: two chained encodings, eight times the bytes. */
export function defaultDecodeLimits(maxBodyBytes: number): DecodeLimits {
  return { maxContentEncodings: 2, maxDecodedBytes: 8 * maxBodyBytes };
}

/** undici appends Content-Length after the head it reports, by this rule of its HTTP/1.1 writer. */
function contentLengthField(method: HttpMethod, body: Buffer | undefined): [string, string][] {
  if (body !== undefined && body.length > 0) return [['content-length', String(body.length)]];
  return method === 'POST' ? [['content-length', '0']] : [];
}

/** undici's raw header list (name, value, name, value, ...) into pairs, bytes read as latin1 as HTTP/1.1 sends them. */
function headerPairs(raw: Dispatcher.DispatchController['rawHeaders']): [string, string][] {
  // Thrown inside the handler, this fails the request rather than recording it without headers.
  if (!Array.isArray(raw)) throw new Error('undici did not hand over the raw response headers');
  const pairs: [string, string][] = [];
  for (let index = 0; index + 1 < raw.length; index += 2) {
    const [name, value] = [raw[index], raw[index + 1]];
    pairs.push([latin1(name), latin1(value)]);
  }
  return pairs;
}

function latin1(field: Buffer | string | undefined): string {
  return typeof field === 'string' ? field : (field?.toString('latin1') ?? '');
}
