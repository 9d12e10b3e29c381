// Machines as contract section 12 has them, for the tests of test/store-pg: processes
// that share one PostgreSQL (and Redis, and where asked one S3 bucket) but not a data
// dir. The hooks that make and drop what they share, each machine's environment, and
// the queue side (a unique prefix, worker processes) that the takeover tests drive.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, vi } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import type { DocumentRecord, TargetIndexEntry } from '../../../src/model/index.js';
import type { WarcStore } from '../../../src/ports.js';
import { openPostgresStore, type PostgresStore } from '../../../src/store-pg/postgres-store.js';
import { openWarcStore } from '../../../src/warc-store/index.js';
import { FakeUpstream } from '../../support/fake-upstream/index.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';
import { startLocalS3, type LocalS3 } from '../../support/s3-server.js';
import { ArticleServer } from '../../workers/support/article-server.js';
import { FAST_LOCKS, WorkerFleet, type DocumentsFleet } from '../../workers/support/fleet.js';
import type { TestProcess } from '../../workers/support/processes.js';

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

export interface QueueOnMachines {
  /** This test's queue, events and worker processes (a prefix of its own); each worker on a machine's data dir. */
  readonly fleet: DocumentsFleet;
  /** A news site on plain HTTP that the test can hold (every host of HELD_SITE_HOSTS). */
  readonly site: ArticleServer;
  /** The queue side of a machine's environment: the shared Redis, this test's prefix. */
  queueEnv: (name: string) => Record<string, string>;
  /** A worker process (test/workers/support/worker-process.ts, FAST_LOCKS) on machine `name`. */
  workerOn: (name: string, extra?: Record<string, string>) => TestProcess;
}

/** The site hosts that workers reach the ArticleServer by. */
export const HELD_SITE_HOSTS = ['site.news.test', 'late.news.test'] as const;

/** Registers the hooks of a worker fleet a test (test/workers/support/fleet.ts) and a holdable site, for `machines`. */
export function useQueueOnMachines(machines: SharedMachines): QueueOnMachines {
  let site: ArticleServer | undefined;
  let fleet: DocumentsFleet | undefined;

  beforeAll(async () => {
    site = await ArticleServer.start();
  });
  afterAll(async () => {
    await site?.close();
  });
  beforeEach(async () => {
    fleet = await WorkerFleet.open({
      queue: 'documents',
      connectTo: () => [machines.upstream.routes, ...HELD_SITE_HOSTS.map((host) => side.site.route(host))].join(','),
    });
  });
  afterEach(async () => {
    side.site.releaseAll();
    await fleet?.close();
  });

  const side: QueueOnMachines = {
    get fleet() {
      if (fleet === undefined) throw new Error('the fleet is made in the hooks: use it inside a test');
      return fleet;
    },
    get site() {
      if (site === undefined) throw new Error('the site is made in the hooks: use it inside a test');
      return site;
    },
    // The fleet's own data dir is replaced by the machine's; its routes include the held site.
    queueEnv: (name) => side.fleet.env(withoutRoutes(machines.machine(name))),
    workerOn: (name, extra = {}) =>
      side.fleet.startWorker(FAST_LOCKS, { ...withoutRoutes(machines.machine(name)), ...extra }),
  };
  return side;
}

/** A machine's environment without its CITESNAP_CONNECT_TO, so that the fleet's (the upstream's and the site's) holds. */
function withoutRoutes(env: Record<string, string>): Record<string, string> {
  const { CITESNAP_CONNECT_TO: _routes, ...rest } = env;
  return rest;
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
