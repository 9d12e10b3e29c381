// Machines as contract section 12 has them, for the tests of test/store-pg: processes
// that share one PostgreSQL (and Redis, and where asked one S3 bucket) but not a data
// dir. The hooks that make and drop what they share, each machine's environment, and
// the queue side (a unique prefix, worker processes) that the takeover tests drive.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueEvents, type Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, beforeEach, vi } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import type { DocumentRecord, TargetIndexEntry } from '../../../src/model/index.js';
import type { WarcStore } from '../../../src/ports.js';
import { openPostgresStore, type PostgresStore } from '../../../src/store-pg/postgres-store.js';
import { openWarcStore } from '../../../src/warc-store/index.js';
import { redisOptionsFromUrl } from '../../../workers/connection.js';
import { openDocumentsQueue, QUEUE } from '../../../workers/queues.js';
import { FakeUpstream } from '../../support/fake-upstream/index.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';
import { startLocalS3, type LocalS3 } from '../../support/s3-server.js';
import { ArticleServer } from '../../workers/support/article-server.js';
import { spawnTsx, type TestProcess } from '../../workers/support/processes.js';
import { adminRedis, deleteKeys, testRedisUrl, uniquePrefix } from '../../workers/support/redis.js';

export interface SharedMachinesOptions {
  /** Names the test database. */
  label: string;
  /** Where given, the machines share an s3rver bucket of this name as their WARC store (`s3://<bucket>/warc`). */
  bucket?: string;
}

export interface SharedMachines {
  readonly database: TestDatabase;
  readonly upstream: FakeUpstream;
  /** A temp folder for this test's data dirs and articles, removed after it. */
  readonly work: string;
  /** A machine's data dir: `<work>/<name>`. */
  dataDir: (name: string) => string;
  /** A machine's environment: its own data dir, the shared database (and WARC store), the fake upstream's routes. */
  machine: (name: string, extra?: Record<string, string>) => Record<string, string>;
  /** Keeps a child process to be killed (if still running) after the test. */
  track: (child: TestProcess) => TestProcess;
  /** How often the syndication endpoint was asked about post `id`. */
  syndicationRequests: (id: string) => number;
  /** A store on the shared database, opened for `work` and closed after it: what a third process would read. */
  withDatabase: <T>(work: (store: PostgresStore) => Promise<T>) => Promise<T>;
  recordFromDatabase: (docId: string) => Promise<DocumentRecord | undefined>;
  /** The shared WARC store (the bucket), opened for `work` and closed after it. Only with `bucket`. */
  withWarcStore: <T>(work: (store: WarcStore) => Promise<T>) => Promise<T>;
}

/** Registers the hooks (database, fake upstream, s3rver; a temp folder a test) and returns the machines. */
export function useSharedMachines(options: SharedMachinesOptions): SharedMachines {
  let database: TestDatabase | undefined;
  let upstream: FakeUpstream | undefined;
  let s3: LocalS3 | undefined;
  let work: string | undefined;
  const processes: TestProcess[] = [];
  const warcStore = options.bucket === undefined ? undefined : `s3://${options.bucket}/warc`;

  beforeAll(async () => {
    database = await createTestDatabase(options.label);
    upstream = await FakeUpstream.start({ latencyMs: 20 });
    if (options.bucket !== undefined) s3 = await startLocalS3([options.bucket]);
  });
  afterAll(async () => {
    await upstream?.close();
    await s3?.close();
    await database?.drop();
  });
  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), `citesnap-${options.label}-`));
  });
  afterEach(async () => {
    for (const child of processes.splice(0)) {
      if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill('SIGKILL');
      await child.exited;
    }
    upstream?.reset();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  const defined = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is made in the hooks: use it inside a test`);
    return value;
  };
  const machines: SharedMachines = {
    get database() {
      return defined(database, 'the database');
    },
    get upstream() {
      return defined(upstream, 'the fake upstream');
    },
    get work() {
      return defined(work, 'the work folder');
    },
    dataDir: (name) => join(machines.work, name),
    machine: (name, extra = {}) => ({
      ...machines.upstream.env,
      CITESNAP_DATA_DIR: machines.dataDir(name),
      CITESNAP_DATABASE_URL: machines.database.url,
      ...(warcStore === undefined ? {} : { CITESNAP_WARC_STORE: warcStore, ...defined(s3, 's3rver').env }),
      ...extra,
    }),
    track: (child) => {
      processes.push(child);
      return child;
    },
    syndicationRequests: (id) =>
      machines.upstream.requests.filter(
        (request) => request.host === 'cdn.syndication.twimg.com' && request.path.includes(`id=${id}`),
      ).length,
    withDatabase: async (work) => {
      const store = openPostgresStore({ url: machines.database.url });
      try {
        return await work(store);
      } finally {
        await store.close();
      }
    },
    recordFromDatabase: (docId) => machines.withDatabase((store) => store.documents.read(docId)),
    withWarcStore: async (work) => {
      const store = openWarcStore(
        loadConfig({ CITESNAP_WARC_STORE: defined(warcStore, 'a bucket'), ...defined(s3, 's3rver').env }).warcStore,
      );
      try {
        return await work(store);
      } finally {
        await store.close();
      }
    },
  };
  return machines;
}

/** Lock and lease times short enough that a killed worker's job and claims are taken over in a second or two. */
export const FAST_LOCKS = { lockDurationMs: 1_000, stalledIntervalMs: 300, claimTtlMs: 1_000, hostGateLeaseMs: 1_000 };

export interface QueueOnMachines {
  readonly prefix: string;
  readonly queue: Queue;
  readonly events: QueueEvents;
  /** A news site on plain HTTP that the test can hold (site.news.test, and any host routed to it by `workerOn`). */
  readonly site: ArticleServer;
  /** The queue side of a machine's environment: the shared Redis, this test's prefix. */
  queueEnv: (name: string) => Record<string, string>;
  /** A worker process (test/workers/support/worker-process.ts, FAST_LOCKS) on machine `name`. */
  workerOn: (name: string, extra?: Record<string, string>) => TestProcess;
}

/** The site hosts that `workerOn` routes to the ArticleServer. */
export const HELD_SITE_HOSTS = ['site.news.test', 'late.news.test'] as const;

/** Registers the hooks of a queue with a prefix of its own a test, and a holdable site, for `machines`. */
export function useQueueOnMachines(machines: SharedMachines): QueueOnMachines {
  let site: ArticleServer | undefined;
  let prefix: string | undefined;
  let queue: Queue | undefined;
  let events: QueueEvents | undefined;

  beforeAll(async () => {
    site = await ArticleServer.start();
  });
  afterAll(async () => {
    await site?.close();
  });
  beforeEach(async () => {
    prefix = uniquePrefix();
    queue = openDocumentsQueue({ connection: redisOptionsFromUrl(testRedisUrl()), prefix });
    events = new QueueEvents(QUEUE.documents, { connection: redisOptionsFromUrl(testRedisUrl()), prefix });
    await events.waitUntilReady();
  });
  afterEach(async () => {
    site?.releaseAll();
    await events?.close();
    await queue?.obliterate({ force: true });
    await queue?.close();
    const admin = adminRedis();
    if (prefix !== undefined) await deleteKeys(admin, prefix);
    await admin.quit();
  });

  const defined = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the queue is made in the hooks: use it inside a test');
    return value;
  };
  const side: QueueOnMachines = {
    get prefix() {
      return defined(prefix);
    },
    get queue() {
      return defined(queue);
    },
    get events() {
      return defined(events);
    },
    get site() {
      return defined(site);
    },
    queueEnv: (name) => ({ ...machines.machine(name), REDIS_URL: testRedisUrl(), CITESNAP_QUEUE_PREFIX: side.prefix }),
    workerOn: (name, extra = {}) =>
      machines.track(
        spawnTsx('test/workers/support/worker-process.ts', [], {
          ...side.queueEnv(name),
          CITESNAP_CONNECT_TO: [machines.upstream.routes, ...HELD_SITE_HOSTS.map((host) => side.site.route(host))].join(
            ',',
          ),
          CITESNAP_TIMEOUT_MS: '10000',
          TEST_WORKER_OPTIONS: JSON.stringify(FAST_LOCKS),
          ...extra,
        }),
      ),
  };
  return side;
}

/** Waits until the shared database's target index holds `key` (a check has ended and its outcome is written). */
export async function waitForTarget(machines: SharedMachines, key: string): Promise<TargetIndexEntry> {
  return machines.withDatabase((store) =>
    vi.waitFor(
      async () => {
        const entry = await store.targets.get(key);
        if (!entry) throw new Error(`${key} is not in the target index yet`);
        return entry;
      },
      { timeout: 30_000, interval: 50 },
    ),
  );
}
