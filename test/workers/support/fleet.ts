import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueEvents, type Queue } from 'bullmq';
import type { DocumentRecord } from '../../../src/model/index.js';
import { redisOptionsFromUrl } from '../../../workers/connection.js';
import { openDocumentsQueue, openMaintenanceQueue, QUEUE } from '../../../workers/queues.js';
import { TEST_CA_PATH } from '../../support/fake-upstream/index.js';
import { spawnTsx, type TestProcess } from './processes.js';
import { adminRedis, deleteKeys, testRedisUrl, uniquePrefix } from './redis.js';

// What contract section 9 promises of a fleet is tested with worker processes of their
// own, sharing one Redis (under a prefix of the test's own) and one data dir. This is
// the set-up and tear-down each of those tests needs, once.

const WORKER_SCRIPT = 'test/workers/support/worker-process.ts';

/** A killed worker's jobs are taken up after about a second, not thirty. */
export const FAST_LOCKS = { lockDurationMs: 1_000, stalledIntervalMs: 300, claimTtlMs: 1_000, hostGateLeaseMs: 1_000 };

export interface FleetOptions {
  /** The queue the test adds its jobs to (and whose events it waits on). */
  queue: keyof typeof QUEUE;
  /** CITESNAP_CONNECT_TO: where the fake upstreams listen, read at each start (a fake's routes grow as a test adds hosts). */
  connectTo: () => string;
  /** Further variables every worker (and `env()`) gets. */
  env?: Record<string, string>;
}

type QueueOf<K extends keyof typeof QUEUE> = K extends 'documents'
  ? ReturnType<typeof openDocumentsQueue>
  : ReturnType<typeof openMaintenanceQueue>;

export class WorkerFleet<Q extends Queue = Queue> {
  private readonly processes: TestProcess[] = [];

  private constructor(
    readonly prefix: string,
    readonly dataDir: string,
    readonly queue: Q,
    readonly events: QueueEvents,
    private readonly options: FleetOptions,
  ) {}

  /** A fresh prefix, data dir, queue and queue events; `close()` takes them all down again. */
  static async open<K extends keyof typeof QUEUE>(
    options: FleetOptions & { queue: K },
  ): Promise<WorkerFleet<QueueOf<K>>> {
    const connection = () => redisOptionsFromUrl(testRedisUrl());
    const prefix = uniquePrefix();
    const dataDir = await mkdtemp(join(tmpdir(), 'citesnap-fleet-'));
    const open = options.queue === 'documents' ? openDocumentsQueue : openMaintenanceQueue;
    const queue = open({ connection: connection(), prefix }) as QueueOf<K>;
    const events = new QueueEvents(QUEUE[options.queue], { connection: connection(), prefix });
    await events.waitUntilReady();
    return new WorkerFleet(prefix, dataDir, queue, events, options);
  }

  /** The configuration a worker of this fleet runs with, for an in-process pipeline too. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      REDIS_URL: testRedisUrl(),
      CITESNAP_QUEUE_PREFIX: this.prefix,
      CITESNAP_DATA_DIR: this.dataDir,
      CITESNAP_CONNECT_TO: this.options.connectTo(),
      NODE_EXTRA_CA_CERTS: TEST_CA_PATH,
      CITESNAP_TIMEOUT_MS: '10000',
      ...this.options.env,
      ...extra,
    };
  }

  /** Starts a worker process; `knobs` are its worker options (test/workers/support/worker-process.ts). */
  startWorker(knobs: Record<string, unknown> = FAST_LOCKS, extraEnv: Record<string, string> = {}): TestProcess {
    const child = spawnTsx(WORKER_SCRIPT, [], this.env({ TEST_WORKER_OPTIONS: JSON.stringify(knobs), ...extraEnv }));
    this.processes.push(child);
    return child;
  }

  /** A process of the test's own (the CLI, say) that `close()` must not leave running. */
  track(child: TestProcess): TestProcess {
    this.processes.push(child);
    return child;
  }

  async readRecord(docId: string): Promise<DocumentRecord> {
    return JSON.parse(await readFile(join(this.dataDir, 'documents', `${docId}.json`), 'utf8')) as DocumentRecord;
  }

  /** Kills what still runs, then removes the queue, every key under the prefix, and the data dir. */
  async close(): Promise<void> {
    for (const child of this.processes.splice(0)) {
      if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill('SIGKILL');
      await child.exited;
    }
    await this.events.close();
    await this.queue.obliterate({ force: true });
    await this.queue.close();
    const admin = adminRedis();
    await deleteKeys(admin, this.prefix);
    await admin.quit();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}

export type DocumentsFleet = WorkerFleet<QueueOf<'documents'>>;
export type MaintenanceFleet = WorkerFleet<QueueOf<'maintenance'>>;
