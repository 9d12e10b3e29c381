import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Config } from '../src/config.js';
import { UsageError } from '../src/errors.js';
import { openPipeline, type OpenPipelineOptions } from '../src/pipeline.js';
import type { Fetcher } from '../src/resolve/ports.js';
import { createArchiveProcessor, type ArchiveResult, type PipelineHandle } from './archive-processor.js';
import { connectProducerRedis, createWorkerRedis, reconnectDelay, redactRedisUrl, redisOptionsFromUrl, workerConnectionOptions } from './connection.js';
import { createJsonLogger, errorFields, type Logger } from './log.js';
import { createMaintenanceProcessor, type MaintenanceResult } from './maintenance-processor.js';
import { instrumentFetcher, instrumentHostGate, startMetricsServer, withTimeout, WorkerMetrics, type MetricsServer } from './metrics.js';
import { openDocumentsQueue, openMaintenanceQueue, QUEUE, RETENTION } from './queues.js';
import { RedisHostGate } from './redis-host-gate.js';
import { RedisTargetClaims } from './redis-target-claims.js';

/** A pipeline a worker can run and close: openPipeline's result, or a test's. */
export type WorkerPipeline = PipelineHandle & { close(): Promise<void> };

export interface RunWorkerOptions {
  /**
   * Besides REDIS_URL and the pipeline's settings: `queuePrefix` (CITESNAP_QUEUE_PREFIX),
   * the key prefix of the queues, the host gate and the claims; `shutdownGraceMs`
   * (CITESNAP_SHUTDOWN_GRACE), how long active jobs may run on after SIGTERM before
   * they are handed back to the queue for another worker.
   */
  config: Config;
  /** Documents processed at once by this process. Default 4. */
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
  openPipeline?: (shared: Required<OpenPipelineOptions>) => WorkerPipeline;
  /** BullMQ's job lock: a worker that dies has its jobs taken up about this long after. Default 30000 ms. */
  lockDurationMs?: number;
  /** How often each worker looks for stalled jobs (those whose lock expired). Default 30000 ms. */
  stalledIntervalMs?: number;
  /** Times a job may stall (its worker died) before it fails. Default 2. */
  maxStalledCount?: number;
  /** Leases of the host gate and target claims: how long a dead process holds its places. Defaults 20000 and 30000 ms. */
  hostGateLeaseMs?: number;
  claimTtlMs?: number;
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
  const concurrency = options.concurrency ?? 4;
  const workerName = `${hostname()}:${process.pid}`;
  const log = (options.log ?? createJsonLogger()).child({ worker: workerName });
  const metrics = new WorkerMetrics();

  // Fail fast on a wrong REDIS_URL or a Redis that is not up: exit 1 with one line, not a silent retry loop.
  const probe = await connectProducerRedis(config.redisUrl, { connectionName: `${prefix}:probe` });
  probe.disconnect();

  // What start-up has opened so far, to close if a later step fails: the command is
  // about to return its exit code, and anything left open would keep the process alive.
  const opened: (() => unknown)[] = [];

  // The metrics port first: a port that cannot be had is told before anything starts.
  let metricsServer: MetricsServer | undefined;
  let health: Redis | undefined;
  if (options.metricsPort !== undefined) {
    // Its own fail-fast connection: a PING that waits for a reconnection would never say "down".
    health = new Redis({
      ...redisOptionsFromUrl(config.redisUrl),
      connectionName: `${prefix}:health`,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: reconnectDelay,
    });
    health.on('error', () => undefined);
    const healthClient = health;
    opened.push(() => healthClient.disconnect());
    try {
      const server = await startMetricsServer({
        metrics,
        port: options.metricsPort,
        ...(options.metricsHost === undefined ? {} : { host: options.metricsHost }),
        checkRedis: async () => {
          await withTimeout(healthClient.ping(), 1_000, 'Redis did not answer PING within 1 s');
        },
        log,
      });
      opened.push(() => server.close());
      metricsServer = server;
    } catch (error) {
      await closeAfterFailedStart(opened);
      const code = (error as NodeJS.ErrnoException).code;
      const reason = code === 'EADDRINUSE' ? 'the port is in use' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
      throw new UsageError(`--metrics-port ${options.metricsPort}: cannot serve metrics there (${reason})`, { cause: error });
    }
  }

  const shared = createWorkerRedis(config.redisUrl, `${prefix}:worker-ports`);
  opened.push(() => shared.disconnect());
  watchConnection(shared, 'ports', log);
  const gate = new RedisHostGate({
    redis: shared,
    hostConcurrency: config.hostConcurrency,
    prefix,
    log,
    ...(options.hostGateLeaseMs === undefined ? {} : { leaseMs: options.hostGateLeaseMs }),
  });
  opened.push(() => gate.close());
  const claims = new RedisTargetClaims({ redis: shared, prefix, log, ...(options.claimTtlMs === undefined ? {} : { ttlMs: options.claimTtlMs }) });
  opened.push(() => claims.close());
  const hostGate = instrumentHostGate(gate, metrics);
  let pipeline: WorkerPipeline;
  try {
    const ports = { hostGate, claims, wrapFetcher: (fetcher: Fetcher) => instrumentFetcher(fetcher, metrics) };
    pipeline = options.openPipeline ? options.openPipeline(ports) : openPipeline(config, ports);
  } catch (error) {
    await closeAfterFailedStart(opened);
    throw error;
  }
  opened.push(() => pipeline.close());

  const workerOptions = {
    connection: workerConnectionOptions(config.redisUrl, `${prefix}:worker`),
    prefix,
    name: workerName,
    lockDuration: options.lockDurationMs ?? 30_000,
    stalledInterval: options.stalledIntervalMs ?? 30_000,
    maxStalledCount: options.maxStalledCount ?? 2,
    // Run below, once both workers are ready: a start refused before that leaves no
    // job-fetching loop behind, which would hold the process up as it closes.
    autorun: false,
  };
  const archive = createArchiveProcessor({
    pipeline,
    documentLocks: claims,
    sources: { sourceRoot: config.sourceRoot, maxSourceBytes: config.maxSourceBytes, sidecars: config.queueSidecars },
    log,
    metrics,
  });
  const documents = new Worker<unknown, ArchiveResult>(QUEUE.documents, archive, {
    ...workerOptions,
    concurrency,
    ...RETENTION.documents,
  });
  const maintain = createMaintenanceProcessor({ pipeline, documentLocks: claims, log, metrics });
  const maintenance = new Worker<unknown, MaintenanceResult>(QUEUE.maintenance, maintain, {
    ...workerOptions,
    concurrency: 1,
    ...RETENTION.maintenance,
  });
  opened.push(
    () => documents.close(),
    () => maintenance.close(),
  );
  for (const [queue, worker] of [
    [QUEUE.documents, documents],
    [QUEUE.maintenance, maintenance],
  ] as const) {
    watchWorker(worker, queue, log);
  }

  // Queue depth for the metrics, read on the shared connection when scraped.
  const depthQueues = [openDocumentsQueue({ connection: shared, prefix }), openMaintenanceQueue({ connection: shared, prefix })];
  for (const queue of depthQueues) {
    queue.on('error', (error) => log.debug('queue.error', { queue: queue.name, ...errorFields(error) }));
    metrics.addQueueDepth(queue.name, () => queue.getJobCounts());
    opened.push(() => queue.close());
  }

  try {
    // Where a Redis that answered the probe can still be refused (too old for BullMQ, say).
    await Promise.all([documents.waitUntilReady(), maintenance.waitUntilReady()]);
  } catch (error) {
    await closeAfterFailedStart(opened);
    throw error;
  }
  for (const worker of [documents, maintenance]) {
    // run() settles only once the worker closes; a failure is told as its 'error' event (logged by watchWorker), as BullMQ's autorun does.
    void worker.run().catch((error: unknown) => worker.emit('error', error as Error));
  }
  log.info('worker.started', {
    redis: redactRedisUrl(config.redisUrl),
    prefix,
    concurrency,
    hostConcurrency: config.hostConcurrency,
    dataDir: config.dataDir,
    ...(metricsServer ? { metricsPort: metricsServer.address.port } : {}),
  });

  const { shutdownGraceMs } = config;
  let closing: Promise<void> | undefined;
  let resolveClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  let handedBack = false;
  const handBackAll = (reason: string) => {
    handedBack = true;
    documents.cancelAllJobs(reason);
    maintenance.cancelAllJobs(reason);
  };

  const close = (closeOptions: { handBack?: boolean; reason?: string } = {}): Promise<void> => {
    if (closing) {
      if (closeOptions.handBack) handBackAll(closeOptions.reason ?? 'shutting down now');
      return closing;
    }
    closing = (async () => {
      const reason = closeOptions.reason ?? 'close';
      log.info('worker.closing', { reason, shutdownGraceMs: closeOptions.handBack ? 0 : shutdownGraceMs });
      const graceTimer = setTimeout(() => {
        log.warn('worker.grace_period_over', { shutdownGraceMs });
        handBackAll('shutdown grace period over');
      }, closeOptions.handBack ? 0 : shutdownGraceMs);
      // close() stops fetching at once and resolves when active jobs have finished or been handed back.
      await Promise.allSettled([documents.close(), maintenance.close()]);
      clearTimeout(graceTimer);
      // Before the pipeline: work of handed-back jobs may go on until the process
      // exits; it must claim nothing more, and what it holds goes back now, for the
      // worker taking over. (When no job was handed back, none holds a claim now.)
      await settle(log, 'claims', claims.close());
      // A handed-back job's requests may still be in flight; closing the HTTP client waits
      // for them (each ends within CITESNAP_TIMEOUT_MS), which must not hold up the rest.
      await settle(log, 'pipeline', handedBack ? withTimeout(pipeline.close(), 5_000, 'requests of handed-back jobs still in flight') : pipeline.close());
      await settle(log, 'host gate', gate.close());
      await settle(log, 'queues', Promise.all(depthQueues.map((queue) => queue.close())));
      await settle(log, 'metrics server', metricsServer?.close() ?? Promise.resolve());
      health?.disconnect();
      await settle(log, 'redis', shared.quit().then(() => undefined));
      log.info('worker.closed', { reason });
      removeSignalHandlers();
      resolveClosed();
    })();
    return closing;
  };

  let removeSignalHandlers = (): void => undefined;
  if (options.handleSignals !== false) {
    const onSignal = (signal: NodeJS.Signals) => {
      // A second signal: hand active jobs back now rather than wait out the grace period.
      void close({ reason: signal, handBack: closing !== undefined });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    removeSignalHandlers = () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    };
  }

  return {
    documents,
    maintenance,
    metrics,
    metricsAddress: metricsServer?.address,
    close,
    closed,
  };
}

/** Logs a connection going away and coming back, once each, not every reconnection attempt. */
function watchConnection(client: Redis, name: string, log: Logger): void {
  let down = false;
  client.on('error', (error: Error) => {
    if (down) return;
    down = true;
    log.warn('redis.unreachable', { connection: name, ...errorFields(error) });
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    log.info('redis.reconnected', { connection: name });
  });
}

function watchWorker(worker: Worker<unknown>, queue: string, log: Logger): void {
  let lastError = '';
  worker.on('error', (error: Error) => {
    // A Redis outage repeats the same error on every attempt: log each kind once in a row.
    const text = errorFields(error).error;
    if (text === lastError) return;
    lastError = text;
    log.warn('worker.error', { queue, ...errorFields(error) });
  });
  worker.on('ready', () => {
    if (lastError !== '') log.info('worker.reconnected', { queue });
    lastError = '';
  });
  worker.on('failed', (job: Job<unknown> | undefined, error: Error) => {
    if (!job) return;
    const attempts = job.opts.attempts ?? 1;
    const final = job.finishedOn !== undefined || job.attemptsMade >= attempts || error.name === 'UnrecoverableError';
    if (!final) return;
    const docId = (job.data as { docId?: unknown } | undefined)?.docId;
    log.error('job.failed', { queue, jobId: job.id, ...(typeof docId === 'string' ? { docId } : {}), attempts: job.attemptsMade, reason: error.message });
  });
  worker.on('stalled', (jobId: string) => log.warn('job.stalled', { queue, jobId }));
}

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

async function settle(log: Logger, what: string, promise: Promise<unknown>): Promise<void> {
  try {
    await promise;
  } catch (error) {
    log.warn('worker.close_failed', { part: what, ...errorFields(error) });
  }
}
