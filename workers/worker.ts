import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import { Worker, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../src/config.js';
import { asError } from '../src/errors.js';
import { openPipeline, startPipeline, type OpenPipelineOptions } from '../src/pipeline/index.js';
import type { Fetcher, Logger, StatusChange, TargetClaims } from '../src/ports.js';
import { createArchiveProcessor, type ArchiveResult, type PipelineHandle } from './archive-processor.js';
import { connectProducerRedis, createWorkerRedis, redactRedisUrl, workerConnectionOptions } from './connection.js';
import { WORKER_DEFAULTS } from './defaults.js';
import { createJsonLogger, errorFields } from './log.js';
import { createMaintenanceProcessor, type MaintenanceResult } from './maintenance-processor.js';
import { serveWorkerMetrics } from './metrics-endpoint.js';
import { instrumentFetcher, instrumentHostGate, WorkerMetrics } from './metrics.js';
import { openDocumentsQueue, openMaintenanceQueue, QUEUE, RETENTION } from './queues.js';
import { RedisHostGate } from './redis-host-gate.js';
import { RedisTargetClaims } from './redis-target-claims.js';
import { redactDatabaseUrl } from '../src/store-pg/database.js';
import { createShutdown } from './shutdown.js';
import { closeOnSignals } from './signals.js';
import { watchConnection, watchWorker } from './worker-events.js';

/** A pipeline a worker can run and close: openPipeline's result, or a test's. */
export type WorkerPipeline = PipelineHandle & {
  close(): Promise<void>;
  /** The WARC store checked and a killed run's files put in it (openPipeline's); a test's may have none. */
  ready?(): Promise<void>;
};

/** What every worker of this process shares with the pipeline: the Redis host gate and claims, metrics. */
export type SharedPipelinePorts = Required<
  Pick<OpenPipelineOptions, 'hostGate' | 'claims' | 'wrapFetcher' | 'onStatusChanges'>
>;

export interface RunWorkerOptions {
  /**
   * Besides REDIS_URL and the pipeline's settings: `queuePrefix` (CITESNAP_QUEUE_PREFIX),
   * the key prefix of the queues, the host gate and the claims; `shutdownGraceMs`
   * (CITESNAP_SHUTDOWN_GRACE), how long active jobs may run on after SIGTERM before
   * they are handed back to the queue for another worker.
   */
  config: Config;
  /** Documents processed at once by this process. Default: WORKER_DEFAULTS (workers/defaults.ts), as for every option below. */
  concurrency?: number;
  /** Serve /metrics and /healthz on this port (0: any free one). Default: no server. */
  metricsPort?: number;
  /** Interface of the metrics server. Default: all. */
  metricsHost?: string;
  log?: Logger;
  /**
   * Builds the pipeline from the shared host gate and target claims. Default:
   * `openPipeline(config, { hostGate, claims })`. Tests pass one built with a test config.
   */
  openPipeline?: (shared: SharedPipelinePorts) => WorkerPipeline;
  /** BullMQ's job lock: a worker that dies has its jobs taken up about this long after. Default 30000 ms. */
  lockDurationMs?: number;
  /** How often each worker looks for stalled jobs (those whose lock expired). Default 30000 ms. */
  stalledIntervalMs?: number;
  /** Times a job may stall (its worker died) before it fails. Default 2. */
  maxStalledCount?: number;
  /** Leases of the host gate and target claims: how long a dead process holds its places. Defaults 5000 and 10000 ms. */
  hostGateLeaseMs?: number;
  claimTtlMs?: number;
  /** Documents in one part of a recheck run (default 100), and documents one part works on at once (default 16). */
  recheckPartSize?: number;
  recheckConcurrency?: number;
  /** Close gracefully on SIGTERM and SIGINT (a second signal hands active jobs back at once). Default true. */
  handleSignals?: boolean;
}

export interface RunningWorker {
  readonly documents: Worker<unknown, ArchiveResult>;
  readonly maintenance: Worker<unknown, MaintenanceResult>;
  readonly metrics: WorkerMetrics;
  /** Where /metrics and /healthz are served, when they are. */
  readonly metricsAddress: AddressInfo | undefined;
  /**
   * Stops taking jobs, lets active ones finish for up to `config.shutdownGraceMs` (or hands
   * them back at once when `handBack` is true), then closes everything. Idempotent.
   */
  close(options?: { handBack?: boolean; reason?: string }): Promise<void>;
  /** Resolves once closed, whoever closed it. */
  readonly closed: Promise<void>;
}

/**
 * Runs the queue workers of this process: `documents` (archive jobs, `concurrency`
 * at once) and `maintenance` (the scheduled recheck and retry-failed, one at a
 * time), sharing one pipeline, one Redis host gate and one set of target claims.
 * Redis going away and coming back is ridden out (connections reconnect; commands
 * wait); a process killed outright has its jobs taken up by another worker once
 * their locks expire (`lockDurationMs`).
 */
export async function runWorker(options: RunWorkerOptions): Promise<RunningWorker> {
  const { config } = options;
  const prefix = config.queuePrefix;
  const concurrency = options.concurrency ?? WORKER_DEFAULTS.concurrency;
  const workerName = `${hostname()}:${process.pid}`;
  const log = (options.log ?? createJsonLogger()).child({ worker: workerName });
  const metrics = new WorkerMetrics();

  // Fail fast on a wrong REDIS_URL or a Redis that is not up: exit 1 with one line, not a silent retry loop.
  const probe = await connectProducerRedis(config.redisUrl, { connectionName: `${prefix}:probe` });
  probe.disconnect();

  // What start-up has opened so far, to close if a later step fails: the command is
  // about to return its exit code, and anything left open would keep the process alive.
  const opened: (() => unknown)[] = [];
  const startStep = async <T>(step: () => T | Promise<T>): Promise<T> => {
    try {
      return await step();
    } catch (error) {
      await closeAfterFailedStart(opened);
      throw error;
    }
  };

  // The metrics port first: a port that cannot be had is told before anything starts.
  const metricsServer =
    options.metricsPort === undefined
      ? undefined
      : await serveWorkerMetrics({
          redisUrl: config.redisUrl,
          prefix,
          port: options.metricsPort,
          host: options.metricsHost,
          metrics,
          log,
        });
  if (metricsServer) opened.push(() => metricsServer.close());

  const { shared, gate, claims } = openSharedPorts(options, log, opened);
  const shares = {
    hostGate: instrumentHostGate(gate, metrics),
    claims,
    wrapFetcher: (fetcher: Fetcher) => instrumentFetcher(fetcher, metrics),
    onStatusChanges: (changes: readonly StatusChange[]) => metrics.recordStatusChanges(changes),
  };
  const pipeline = await startStep(() => startWorkerPipeline(options, shares, log));
  opened.push(() => pipeline.close());
  // Document locks guard records: in the database beside them when there is one (its
  // lease rows, as the target claims), else in Redis.
  const documentLocks: TargetClaims = pipeline.ports.store.claims ?? claims;

  // Read for the metrics when scraped; planning jobs also put their parts on the maintenance queue.
  const depth = watchQueueDepth({ shared, prefix, metrics, log });
  for (const queue of depth.all) opened.push(() => queue.close());
  const { documents, maintenance } = createQueueWorkers({
    options,
    prefix,
    workerName,
    concurrency,
    pipeline,
    documentLocks,
    maintenanceQueue: depth.maintenance,
    log,
    metrics,
  });
  opened.push(
    () => documents.close(),
    () => maintenance.close(),
  );

  // Where a Redis that answered the probe can still be refused (too old for BullMQ, say).
  await startStep(() => Promise.all([documents.waitUntilReady(), maintenance.waitUntilReady()]));
  for (const worker of [documents, maintenance]) {
    // run() settles only once the worker closes; a failure is told as its 'error' event (logged by watchWorker), as BullMQ's autorun does.
    void worker.run().catch((error: unknown) => worker.emit('error', asError(error)));
  }
  log.info('worker.started', {
    redis: redactRedisUrl(config.redisUrl),
    prefix,
    concurrency,
    hostConcurrency: config.hostConcurrency,
    dataDir: config.dataDir,
    ...(config.databaseUrl === undefined ? {} : { database: redactDatabaseUrl(config.databaseUrl) }),
    ...(metricsServer ? { metricsPort: metricsServer.address.port } : {}),
  });

  const shutdown = createShutdown({
    workers: [documents, maintenance],
    shutdownGraceMs: config.shutdownGraceMs,
    closeClaims: async () => {
      await claims.close();
      await documentLocks.close?.();
    },
    closePipeline: () => pipeline.close(),
    closeRest: [
      { part: 'host gate', close: () => gate.close() },
      { part: 'queues', close: () => Promise.all(depth.all.map((queue) => queue.close())) },
      { part: 'metrics server', close: () => metricsServer?.close() ?? Promise.resolve() },
      { part: 'redis', close: () => shared.quit() },
    ],
    log,
  });
  if (options.handleSignals !== false) {
    const removeSignalHandlers = closeOnSignals(shutdown);
    void shutdown.closed.then(removeSignalHandlers);
  }

  return {
    documents,
    maintenance,
    metrics,
    metricsAddress: metricsServer?.address,
    close: shutdown.close,
    closed: shutdown.closed,
  };
}

/**
 * The pipeline the workers share, started as every command starts it (startPipeline):
 * with a database, its schema made or upgraded before any job runs (contract section
 * 12); a misconfigured WARC store stops the worker before it takes a job.
 */
function startWorkerPipeline(
  options: RunWorkerOptions,
  shares: SharedPipelinePorts,
  log: Logger,
): Promise<WorkerPipeline> {
  const { config } = options;
  return startPipeline(
    config,
    () =>
      options.openPipeline
        ? options.openPipeline(shares)
        : openPipeline(config, { ...shares, claimLeaseMs: options.claimTtlMs ?? WORKER_DEFAULTS.claimTtlMs }),
    {
      migrate: true,
      onMigrated: (migrated) =>
        log.info('database.migrated', { database: migrated.database, applied: migrated.applied }),
    },
  );
}

/**
 * The two queue workers, not yet running: `documents` (archive jobs, `concurrency`
 * at once) and `maintenance` (the scheduled jobs, one at a time).
 */
function createQueueWorkers(parts: {
  options: RunWorkerOptions;
  prefix: string;
  workerName: string;
  concurrency: number;
  pipeline: WorkerPipeline;
  documentLocks: TargetClaims;
  maintenanceQueue: MaintenanceQueue;
  log: Logger;
  metrics: WorkerMetrics;
}): { documents: Worker<unknown, ArchiveResult>; maintenance: Worker<unknown, MaintenanceResult> } {
  const { options, prefix, pipeline, documentLocks, log, metrics } = parts;
  const workerOptions = {
    connection: workerConnectionOptions(options.config.redisUrl, `${prefix}:worker`),
    prefix,
    name: parts.workerName,
    lockDuration: options.lockDurationMs ?? WORKER_DEFAULTS.lockDurationMs,
    stalledInterval: options.stalledIntervalMs ?? WORKER_DEFAULTS.stalledIntervalMs,
    maxStalledCount: options.maxStalledCount ?? WORKER_DEFAULTS.maxStalledCount,
    // Run by runWorker once both workers are ready: a start refused before that leaves
    // no job-fetching loop behind, which would hold the process up as it closes.
    autorun: false,
  };
  const { config } = options;
  const archive = createArchiveProcessor({
    pipeline,
    documentLocks,
    sources: { sourceRoot: config.sourceRoot, maxSourceBytes: config.maxSourceBytes, sidecars: config.queueSidecars },
    log,
    metrics,
  });
  const documents = new Worker<unknown, ArchiveResult>(QUEUE.documents, archive, {
    ...workerOptions,
    concurrency: parts.concurrency,
    ...RETENTION.documents,
  });
  const maintain = createMaintenanceProcessor({
    pipeline,
    maintenanceQueue: parts.maintenanceQueue,
    documentLocks,
    log,
    metrics,
    ...(options.recheckPartSize === undefined ? {} : { partSize: options.recheckPartSize }),
    ...(options.recheckConcurrency === undefined ? {} : { partConcurrency: options.recheckConcurrency }),
  });
  const maintenance = new Worker<unknown, MaintenanceResult>(QUEUE.maintenance, maintain, {
    ...workerOptions,
    concurrency: WORKER_DEFAULTS.maintenanceConcurrency,
    ...RETENTION.maintenance,
  });
  watchWorker(documents, QUEUE.documents, log);
  watchWorker(maintenance, QUEUE.maintenance, log);
  return { documents, maintenance };
}

/**
 * What every process on the Redis shares: one reconnecting connection, the host gate
 * (CITESNAP_HOST_CONCURRENCY across processes) and the target claims. Each is added
 * to `opened` as soon as it is open.
 */
function openSharedPorts(
  options: RunWorkerOptions,
  log: Logger,
  opened: (() => unknown)[],
): { shared: Redis; gate: RedisHostGate; claims: RedisTargetClaims } {
  const { config } = options;
  const prefix = config.queuePrefix;
  const shared = createWorkerRedis(config.redisUrl, `${prefix}:worker-ports`);
  opened.push(() => shared.disconnect());
  watchConnection(shared, 'ports', log);
  const gate = new RedisHostGate({
    redis: shared,
    hostConcurrency: config.hostConcurrency,
    prefix,
    log,
    leaseMs: options.hostGateLeaseMs ?? WORKER_DEFAULTS.hostGateLeaseMs,
  });
  opened.push(() => gate.close());
  const claims = new RedisTargetClaims({
    redis: shared,
    prefix,
    log,
    ttlMs: options.claimTtlMs ?? WORKER_DEFAULTS.claimTtlMs,
  });
  opened.push(() => claims.close());
  return { shared, gate, claims };
}

/** Queue depth for the metrics, read on the shared connection when scraped. */
function watchQueueDepth(parts: { shared: Redis; prefix: string; metrics: WorkerMetrics; log: Logger }): {
  all: Queue[];
  maintenance: MaintenanceQueue;
} {
  const maintenance = openMaintenanceQueue({ connection: parts.shared, prefix: parts.prefix });
  const queues: Queue[] = [openDocumentsQueue({ connection: parts.shared, prefix: parts.prefix }), maintenance];
  for (const queue of queues) {
    queue.on('error', (error) => parts.log.debug('queue.error', { queue: queue.name, ...errorFields(error) }));
    parts.metrics.addQueueDepth(queue.name, () => queue.getJobCounts());
  }
  return { all: queues, maintenance };
}

type MaintenanceQueue = ReturnType<typeof openMaintenanceQueue>;

/** Closes what a failed start-up opened, the last opened first. */
async function closeAfterFailedStart(opened: readonly (() => unknown)[]): Promise<void> {
  for (const close of [...opened].reverse()) {
    try {
      await close();
    } catch {
      // The error that stopped the start-up is the one to report.
    }
  }
}
