import { join, resolve } from 'node:path';
import { parseDuration } from './duration.js';
import { UsageError } from './errors.js';
import { parseConnectTo, type ConnectRoute } from './net/routes.js';
import { PROJECT_URL, VERSION } from './version.js';

/** Everything citesnap can be told, parsed and validated once, at start (contract section 4). */
export interface Config {
  /** CITESNAP_DATA_DIR, absolute: where records, WARC files and the index live. */
  readonly dataDir: string;
  /** REDIS_URL: the queue's Redis. */
  readonly redisUrl: string;
  /** CITESNAP_CONNECT_TO: operator routes with curl's --connect-to meaning. */
  readonly connectTo: readonly ConnectRoute[];
  /** CITESNAP_USER_AGENT. */
  readonly userAgent: string;
  /** CITESNAP_TIMEOUT_MS: connect, headers and body each. */
  readonly timeoutMs: number;
  /** CITESNAP_MAX_REDIRECTS: hops followed from one citation. */
  readonly maxRedirects: number;
  /** CITESNAP_MAX_BODY_BYTES: bytes kept of one response. */
  readonly maxBodyBytes: number;
  /** CITESNAP_HOST_CONCURRENCY: requests in flight to one host at once. */
  readonly hostConcurrency: number;
  /** CITESNAP_REFRESH_AFTER in milliseconds: a capture younger than this is reused. */
  readonly refreshAfterMs: number;
  /** CITESNAP_QUEUE_PREFIX: the BullMQ key prefix every queue, gate and claim key starts with. */
  readonly queuePrefix: string;
  /** CITESNAP_SHUTDOWN_GRACE in milliseconds: after SIGTERM, how long a worker's active jobs may finish. */
  readonly shutdownGraceMs: number;
  /** CITESNAP_MAX_SOURCE_BYTES: the largest article read (file, URL, stdin, inline text or HTML), counted while reading. */
  readonly maxSourceBytes: number;
  /**
   * CITESNAP_SOURCE_ROOT, absolute: the folder whose regular files `{ path }` jobs may
   * name. Undefined: path jobs are refused (whoever adds jobs must not read the worker's files).
   */
  readonly sourceRoot: string | undefined;
  /** CITESNAP_QUEUE_SIDECARS=1: a `{ path }` job also writes its sidecar beside the file. */
  readonly queueSidecars: boolean;
  /** CITESNAP_DOCUMENT_CONCURRENCY: documents one `archive` command works on at once. */
  readonly documentConcurrency: number;
  /** CITESNAP_WARC_STORE: where WARC files are kept (contract section 12). */
  readonly warcStore: WarcStoreSetting;
  /** CITESNAP_WARC_ROLL_BYTES: a WARC file is closed (and put in the store) before it grows past this. */
  readonly warcRollBytes: number;
  /** CITESNAP_WARC_ROLL_AFTER in milliseconds: a WARC file is closed this long after it was opened; undefined: never by age. */
  readonly warcRollAfterMs: number | undefined;
  /**
   * CITESNAP_DATABASE_URL: PostgreSQL for the records, indexes, checks and claims
   * (contract section 12). Undefined: everything stays in the data dir.
   */
  readonly databaseUrl: string | undefined;
  /** CITESNAP_SERVE_HOST: the interface `citesnap serve` listens on; loopback unless chosen otherwise. */
  readonly serveHost: string;
  /** CITESNAP_SERVE_PORT: the port `citesnap serve` listens on (0: any free port). */
  readonly servePort: number;
}

/** CITESNAP_WARC_STORE, parsed: a folder, or a bucket and key prefix on S3-compatible storage. */
export type WarcStoreSetting =
  | { readonly kind: 'folder'; readonly folder: string }
  | {
      readonly kind: 's3';
      readonly bucket: string;
      /** The key prefix, without slashes at either end; '' for the bucket's top. */
      readonly prefix: string;
      /** AWS_ENDPOINT_URL: an S3-compatible server (addressed path-style); undefined for AWS itself. */
      readonly endpoint: string | undefined;
      /** AWS_REGION, default us-east-1 (what S3-compatible servers expect when they care at all). */
      readonly region: string;
      /**
       * AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN from the same
       * environment as the rest; undefined: the SDK's own chain (profiles, instance roles).
       */
      readonly credentials:
        { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string } | undefined;
    };

/** A folder store is written in place, as the data dir's warc folder always was: files roll at 1 GiB, never by age. */
export const FOLDER_WARC_ROLL_BYTES = 1024 ** 3;
/**
 * An S3 store takes files whole, and a record waits for its captures' file to be
 * there: files are kept small and short-lived, so a crash loses little and an export
 * reads little (a record's wait closes its file at once; see capture/warc-writer.ts).
 */
export const S3_WARC_ROLL_BYTES = 64 * 1024 ** 2;
export const S3_WARC_ROLL_AFTER_MS = 30_000;

/** A BullMQ prefix starts every Redis key of the queue: kept to characters safe in any key. */
export const QUEUE_PREFIX_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** Flags that override the environment; each named after its variable's meaning. */
export type ConfigFlags = Partial<Record<keyof typeof VARIABLES, string>>;

/** CITESNAP_MAX_SOURCE_BYTES's default: 20 MiB. */
export const DEFAULT_MAX_SOURCE_BYTES = 20_971_520;

export const DEFAULT_USER_AGENT = `citesnap/${VERSION} (+${PROJECT_URL})`;

const VARIABLES = {
  dataDir: 'CITESNAP_DATA_DIR',
  redisUrl: 'REDIS_URL',
  connectTo: 'CITESNAP_CONNECT_TO',
  userAgent: 'CITESNAP_USER_AGENT',
  timeoutMs: 'CITESNAP_TIMEOUT_MS',
  maxRedirects: 'CITESNAP_MAX_REDIRECTS',
  maxBodyBytes: 'CITESNAP_MAX_BODY_BYTES',
  hostConcurrency: 'CITESNAP_HOST_CONCURRENCY',
  refreshAfterMs: 'CITESNAP_REFRESH_AFTER',
  queuePrefix: 'CITESNAP_QUEUE_PREFIX',
  shutdownGraceMs: 'CITESNAP_SHUTDOWN_GRACE',
  maxSourceBytes: 'CITESNAP_MAX_SOURCE_BYTES',
  sourceRoot: 'CITESNAP_SOURCE_ROOT',
  queueSidecars: 'CITESNAP_QUEUE_SIDECARS',
  documentConcurrency: 'CITESNAP_DOCUMENT_CONCURRENCY',
  warcStore: 'CITESNAP_WARC_STORE',
  warcRollBytes: 'CITESNAP_WARC_ROLL_BYTES',
  warcRollAfterMs: 'CITESNAP_WARC_ROLL_AFTER',
  databaseUrl: 'CITESNAP_DATABASE_URL',
  serveHost: 'CITESNAP_SERVE_HOST',
  servePort: 'CITESNAP_SERVE_PORT',
} as const;

/**
 * Builds the one frozen configuration: flags win over environment variables, which
 * win over defaults. An invalid value throws a UsageError naming the variable and
 * what it expects (the CLI turns that into exit 2).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, flags: ConfigFlags = {}): Config {
  const raw = (key: keyof typeof VARIABLES): string | undefined => {
    const value = flags[key] ?? env[VARIABLES[key]];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const integer = (key: keyof typeof VARIABLES, fallback: number, min: number): number => {
    const value = raw(key);
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value) || Number(value) < min || !Number.isSafeInteger(Number(value))) {
      throw new UsageError(
        `${VARIABLES[key]}: expected a whole number of at least ${min}, got ${JSON.stringify(value)}`,
      );
    }
    return Number(value);
  };

  const port = (key: keyof typeof VARIABLES, fallback: number): number => {
    const value = integer(key, fallback, 0);
    if (value > 65535) throw new UsageError(`${VARIABLES[key]}: expected a port from 0 to 65535, got ${value}`);
    return value;
  };

  const redisUrl = raw('redisUrl') ?? 'redis://127.0.0.1:6379';
  if (!/^rediss?:\/\/[^\s]+$/.test(redisUrl) || !URL.canParse(redisUrl)) {
    throw new UsageError(`REDIS_URL: expected a redis:// or rediss:// URL, got ${JSON.stringify(redisUrl)}`);
  }
  const connectTo = raw('connectTo');
  const refreshAfter = raw('refreshAfterMs');
  const shutdownGrace = raw('shutdownGraceMs');
  const queuePrefix = raw('queuePrefix') ?? 'citesnap';
  if (!QUEUE_PREFIX_PATTERN.test(queuePrefix)) {
    throw new UsageError(
      `CITESNAP_QUEUE_PREFIX: expected 1 to 100 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit, got ${JSON.stringify(queuePrefix)}`,
    );
  }

  const sourceRoot = raw('sourceRoot');
  const queueSidecars = raw('queueSidecars') ?? '0';
  if (queueSidecars !== '0' && queueSidecars !== '1') {
    throw new UsageError(
      `CITESNAP_QUEUE_SIDECARS: expected 1 (write sidecars for path jobs) or 0, got ${JSON.stringify(queueSidecars)}`,
    );
  }

  const dataDir = resolve(raw('dataDir') ?? './citesnap-data');
  const warcStore = parseWarcStore(raw('warcStore'), dataDir, env);
  const warcRollAfter = raw('warcRollAfterMs');
  const databaseUrl = raw('databaseUrl');
  if (databaseUrl !== undefined && (!/^postgres(ql)?:\/\/[^\s]+$/.test(databaseUrl) || !URL.canParse(databaseUrl))) {
    throw new UsageError(
      `CITESNAP_DATABASE_URL: expected a postgres:// or postgresql:// URL, got ${JSON.stringify(databaseUrl.replace(/:[^:@/]*@/, ':***@'))}`,
    );
  }

  return Object.freeze({
    dataDir,
    redisUrl,
    connectTo: Object.freeze(connectTo === undefined ? [] : parseConnectTo(connectTo)),
    userAgent: raw('userAgent') ?? DEFAULT_USER_AGENT,
    timeoutMs: integer('timeoutMs', 15_000, 1),
    maxRedirects: integer('maxRedirects', 10, 0),
    maxBodyBytes: integer('maxBodyBytes', 10_485_760, 1),
    hostConcurrency: integer('hostConcurrency', 4, 1),
    refreshAfterMs: refreshAfter === undefined ? 24 * 3_600_000 : parseDuration(refreshAfter, 'CITESNAP_REFRESH_AFTER'),
    queuePrefix,
    shutdownGraceMs: shutdownGrace === undefined ? 20_000 : parseDuration(shutdownGrace, 'CITESNAP_SHUTDOWN_GRACE'),
    maxSourceBytes: integer('maxSourceBytes', DEFAULT_MAX_SOURCE_BYTES, 1),
    sourceRoot: sourceRoot === undefined ? undefined : resolve(sourceRoot),
    queueSidecars: queueSidecars === '1',
    documentConcurrency: integer('documentConcurrency', 8, 1),
    warcStore,
    warcRollBytes: integer('warcRollBytes', warcStore.kind === 's3' ? S3_WARC_ROLL_BYTES : FOLDER_WARC_ROLL_BYTES, 1),
    warcRollAfterMs:
      warcRollAfter === undefined
        ? warcStore.kind === 's3'
          ? S3_WARC_ROLL_AFTER_MS
          : undefined
        : parseDuration(warcRollAfter, 'CITESNAP_WARC_ROLL_AFTER'),
    databaseUrl,
    serveHost: raw('serveHost') ?? '127.0.0.1',
    servePort: port('servePort', 8080),
  });
}

/** S3's rule for bucket names: 3 to 63 lowercase letters, digits, dots and hyphens, a letter or digit at each end. */
const BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * CITESNAP_WARC_STORE: unset, the data dir's `warc` folder; `s3://bucket/prefix`;
 * anything else without a scheme, a folder. The endpoint and region of an S3 store
 * come from the AWS variables, checked here so a typo stops the command at start.
 */
function parseWarcStore(value: string | undefined, dataDir: string, env: NodeJS.ProcessEnv): WarcStoreSetting {
  if (value === undefined) return Object.freeze({ kind: 'folder', folder: join(dataDir, 'warc') });
  const expected = 'expected a folder or s3://bucket/prefix';
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return Object.freeze({ kind: 'folder', folder: resolve(value) });
  if (!/^s3:\/\//i.test(value)) {
    throw new UsageError(`CITESNAP_WARC_STORE: ${expected}, got ${JSON.stringify(value)} (unsupported scheme)`);
  }
  const [bucket = '', ...segments] = value.slice('s3://'.length).split('/');
  if (!BUCKET_PATTERN.test(bucket)) {
    throw new UsageError(
      `CITESNAP_WARC_STORE: ${expected}, got ${JSON.stringify(value)} (bucket ${JSON.stringify(bucket)}: 3 to 63 of a-z 0-9 . -)`,
    );
  }
  while (segments.at(-1) === '') segments.pop();
  const badSegment = segments.find(
    (segment) => segment === '' || segment === '.' || segment === '..' || /[?#\\]/.test(segment),
  );
  if (badSegment !== undefined) {
    throw new UsageError(
      `CITESNAP_WARC_STORE: ${expected}, got ${JSON.stringify(value)} (the prefix has an empty, . or .. part, or ? # \\)`,
    );
  }
  const endpoint = env.AWS_ENDPOINT_URL?.trim() || undefined;
  if (endpoint !== undefined && (!/^https?:\/\//i.test(endpoint) || !URL.canParse(endpoint))) {
    throw new UsageError(
      `AWS_ENDPOINT_URL: expected an http(s) URL of an S3-compatible server, got ${JSON.stringify(endpoint)}`,
    );
  }
  return Object.freeze({
    kind: 's3',
    bucket,
    prefix: segments.join('/'),
    endpoint,
    region: env.AWS_REGION?.trim() || 'us-east-1',
    credentials: credentialsFrom(env),
  });
}

function credentialsFrom(env: NodeJS.ProcessEnv): Extract<WarcStoreSetting, { kind: 's3' }>['credentials'] {
  const accessKeyId = env.AWS_ACCESS_KEY_ID?.trim();
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY?.trim();
  const sessionToken = env.AWS_SESSION_TOKEN?.trim();
  if (!accessKeyId && !secretAccessKey) return undefined;
  if (!accessKeyId || !secretAccessKey) {
    throw new UsageError(
      `${accessKeyId ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID'}: expected it beside ${accessKeyId ? 'AWS_ACCESS_KEY_ID' : 'AWS_SECRET_ACCESS_KEY'} (the WARC store's credentials)`,
    );
  }
  return Object.freeze({ accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) });
}
