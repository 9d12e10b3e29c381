import { Redis } from 'ioredis';
import { errnoCode, RedisUnavailableError, UsageError } from '../src/errors.js';

/**
 * Redis connections for the queue, of two kinds (BullMQ's "going to production"):
 *
 * - long-lived ones for workers, which must ride out Redis going away and coming
 *   back: `maxRetriesPerRequest: null` (a command waits for the reconnection
 *   instead of failing the job), offline queue on, reconnect for ever;
 * - fail-fast ones for producers and CLI commands (`enqueue`, `schedule`): no
 *   offline queue, no reconnection, a connect timeout, so that an unreachable Redis
 *   is one clear error (exit 1) instead of a command that hangs.
 */

/** Where and how to connect, as both ioredis and BullMQ take it. */
export interface RedisUrlOptions {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
  tls?: { servername: string };
}

/** Options of a worker's connections; assignable to ioredis's and to BullMQ's connection options. */
export type WorkerConnectionOptions = RedisUrlOptions & {
  connectionName: string;
  maxRetriesPerRequest: null;
  enableOfflineQueue: true;
  retryStrategy: (attempt: number) => number;
};

/**
 * ioredis options from a `redis://` or `rediss://` URL: host, port, user, password,
 * database number (`/2`) and TLS for `rediss`. The config has validated the URL's form.
 */
export function redisOptionsFromUrl(redisUrl: string): RedisUrlOptions {
  const url = new URL(redisUrl);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new UsageError(
      `REDIS_URL: expected a redis:// or rediss:// URL, got ${JSON.stringify(redactRedisUrl(redisUrl))}`,
    );
  }
  const options: RedisUrlOptions = {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: url.port === '' ? 6379 : Number(url.port),
  };
  if (url.username !== '') options.username = decodeURIComponent(url.username);
  if (url.password !== '') options.password = decodeURIComponent(url.password);
  const db = url.pathname.replace(/^\//, '');
  if (db !== '') {
    if (!/^\d+$/.test(db))
      throw new UsageError(
        `REDIS_URL: the path must be a database number such as /0, got ${JSON.stringify(url.pathname)}`,
      );
    options.db = Number(db);
  }
  if (url.protocol === 'rediss:') options.tls = { servername: options.host };
  return options;
}

/** The URL without its password, for messages and logs. */
export function redactRedisUrl(redisUrl: string): string {
  try {
    const url = new URL(redisUrl);
    if (url.password !== '') url.password = '***';
    return url.href;
  } catch {
    return '(an invalid URL)';
  }
}

/** Milliseconds between reconnection attempts: quick at first, at most 5 s, for ever. */
export function reconnectDelay(attempt: number): number {
  return Math.min(250 * 2 ** Math.max(0, attempt - 1), 5_000);
}

/**
 * Options for a worker's connections (BullMQ Worker, the host gate, the target
 * claims): commands wait out a disconnection and are sent again on reconnection.
 */
export function workerConnectionOptions(redisUrl: string, connectionName = 'citesnap-worker'): WorkerConnectionOptions {
  return {
    ...redisOptionsFromUrl(redisUrl),
    connectionName,
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    retryStrategy: reconnectDelay,
  };
}

/** A connection of a worker's kind, for the parts BullMQ does not own (host gate, claims). */
export function createWorkerRedis(redisUrl: string, connectionName?: string): Redis {
  return new Redis(workerConnectionOptions(redisUrl, connectionName));
}

export interface ProducerConnectionOptions {
  /** Connecting, including TLS and AUTH, must end within this. Default 5000 ms. */
  connectTimeoutMs?: number;
  /** Each command must be answered within this. Default 10000 ms. */
  commandTimeoutMs?: number;
  connectionName?: string;
}

/**
 * Connects a fail-fast client for a producer or a CLI command. Rejects with a
 * RedisUnavailableError naming the (password-free) URL and saying how to get a Redis.
 */
export async function connectProducerRedis(redisUrl: string, options: ProducerConnectionOptions = {}): Promise<Redis> {
  const client = new Redis({
    ...redisOptionsFromUrl(redisUrl),
    connectionName: options.connectionName ?? 'citesnap-producer',
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: options.connectTimeoutMs ?? 5_000,
    commandTimeout: options.commandTimeoutMs ?? 10_000,
    retryStrategy: () => null,
  });
  // Without a listener, a connection error would be an unhandled 'error' event.
  let lastError: Error | undefined;
  client.on('error', (error: Error) => {
    lastError = error;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    throw unavailable(redisUrl, lastError ?? error);
  }
  return client;
}

/** The error to show when Redis cannot be reached at `redisUrl`. */
export function unavailable(redisUrl: string, cause: unknown): RedisUnavailableError {
  const reason = describeConnectionError(cause);
  return new RedisUnavailableError(
    `cannot reach Redis at ${redactRedisUrl(redisUrl)} (${reason}); start one (e.g. 'docker compose up -d redis') or set REDIS_URL`,
    { cause },
  );
}

const CONNECTION_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/**
 * Whether a command failed because Redis could not be reached. ioredis gives most of
 * those errors no code ("Connection is closed.", a command timeout), so rather than
 * read their messages this asks the connection: one that is not ready, or does not
 * answer a PING now, is down. A command's own error (Redis too old for BullMQ, say)
 * leaves a connection that answers.
 */
export async function isConnectionError(error: unknown, client: Redis): Promise<boolean> {
  if (error instanceof RedisUnavailableError) return true;
  const code = errnoCode(error);
  if (code !== undefined && CONNECTION_ERROR_CODES.has(code)) return true;
  if (client.status !== 'ready') return true;
  try {
    await client.ping();
    return false;
  } catch {
    return true;
  }
}

function describeConnectionError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = errnoCode(error);
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (/ETIMEDOUT|timed out/i.test(`${code ?? ''} ${error.message}`)) return 'timed out';
  return error.message.split('\n')[0] ?? 'unknown error';
}
