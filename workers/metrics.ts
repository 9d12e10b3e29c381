import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { hostPlace, type HostGate } from '../src/net/host-gate.js';
import type { Fetcher, Logger } from '../src/ports.js';
import { errorFields, silentLogger } from './log.js';
import { FetchError } from '../src/errors.js';

/**
 * Prometheus metrics of a worker process (prom-client, a registry of its own so
 * that several workers can live in one test process). Everything is named
 * `citesnap_*`; Node's default process metrics come along.
 */

/** What became of one run of a job's processor. */
export type JobOutcome =
  /** Done: the record is written. */
  | 'completed'
  /** Bad job data or source: failed at once, not retried. */
  | 'invalid'
  /** Threw; BullMQ retries it after a backoff while attempts remain. */
  | 'error'
  /** Upstream rate limit: moved to delayed, no attempt counted. */
  | 'delayed'
  /** Shutdown came first: moved back to waiting for another worker. */
  | 'handed_back';

/** Hosts beyond this many distinct ones are counted as `other`, to bound the label's cardinality. */
const MAX_HOST_LABELS = 500;

export class WorkerMetrics {
  readonly registry = new Registry();
  readonly jobs = new Counter({
    name: 'citesnap_jobs_total',
    help: 'Job processor runs by queue, job name and outcome (completed, invalid, error, delayed, handed_back).',
    labelNames: ['queue', 'name', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly jobDuration = new Histogram({
    name: 'citesnap_job_duration_seconds',
    help: 'How long one run of a job processor took, by queue, job name and outcome.',
    labelNames: ['queue', 'name', 'outcome'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600],
    registers: [this.registry],
  });
  readonly citations = new Counter({
    name: 'citesnap_citations_total',
    help: 'Citations written by archive and maintenance jobs, by their status.',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly upstreamRequests = new Counter({
    name: 'citesnap_upstream_requests_total',
    help: 'Upstream HTTP requests by host and response status (0: no answer).',
    labelNames: ['host', 'status'] as const,
    registers: [this.registry],
  });
  readonly upstreamRequestDuration = new Histogram({
    name: 'citesnap_upstream_request_duration_seconds',
    help: 'Upstream HTTP requests, from a place at the host gate to the last body byte.',
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 30],
    registers: [this.registry],
  });
  readonly hostGateRequests = new Counter({
    name: 'citesnap_host_gate_requests_total',
    help: 'Places taken at the shared host gate (one per request attempt), by host.',
    labelNames: ['host'] as const,
    registers: [this.registry],
  });
  readonly hostGateWait = new Histogram({
    name: 'citesnap_host_gate_wait_seconds',
    help: 'How long requests waited for a place at the shared host gate.',
    buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60],
    registers: [this.registry],
  });
  readonly hostSlowdowns = new Counter({
    name: 'citesnap_host_slowdowns_total',
    help: 'Slowdowns asked for after a 429 or 503, by host.',
    labelNames: ['host'] as const,
    registers: [this.registry],
  });
  readonly statusChanges = new Counter({
    name: 'citesnap_status_changes_total',
    help: 'Citations whose status changed at a check, by old and new status (what `citesnap changes` lists).',
    labelNames: ['from', 'to'] as const,
    registers: [this.registry],
  });
  readonly recheckTargets = new Counter({
    name: 'citesnap_recheck_targets_total',
    help: 'Targets found due by the recheck and retry-failed runs this worker planned.',
    registers: [this.registry],
  });
  readonly recheckDocuments = new Counter({
    name: 'citesnap_recheck_documents_total',
    help: 'Records updated by recheck-targets jobs.',
    registers: [this.registry],
  });
  readonly redisUp = new Gauge({
    name: 'citesnap_redis_up',
    help: '1 when the last health check reached Redis, else 0.',
    registers: [this.registry],
  });
  readonly #hosts = new Set<string>();
  readonly #queueCounts = new Map<string, () => Promise<Record<string, number>>>();

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    const queueCounts = this.#queueCounts;
    new Gauge({
      name: 'citesnap_queue_jobs',
      help: 'Jobs in each queue by state (waiting, active, delayed, completed, failed, ...), read when scraped.',
      labelNames: ['queue', 'state'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const [queue, read] of queueCounts) {
          const counts = await withTimeout(read(), 1_000).catch(() => undefined);
          for (const [state, count] of Object.entries(counts ?? {})) this.set({ queue, state }, count);
        }
      },
    });
  }

  jobRun(queue: string, name: string, outcome: JobOutcome, seconds: number): void {
    this.jobs.inc({ queue, name, outcome });
    this.jobDuration.observe({ queue, name, outcome }, seconds);
  }

  /** Counts written citations, given as a count by status. */
  recordCitations(statuses: Readonly<Record<string, number>>): void {
    for (const [status, count] of Object.entries(statuses)) if (count > 0) this.citations.inc({ status }, count);
  }

  /** Counts status changes as records are written. */
  recordStatusChanges(changes: readonly { from: string; to: string }[]): void {
    for (const change of changes) this.statusChanges.inc({ from: change.from, to: change.to });
  }

  /** A queue's job counts by state, read from Redis when scraped (left out when Redis does not answer within 1 s). */
  addQueueDepth(queueName: string, counts: () => Promise<Record<string, number>>): void {
    this.#queueCounts.set(queueName, counts);
  }

  /** A host label, or `other` once MAX_HOST_LABELS distinct hosts have been seen. */
  hostLabel(host: string): string {
    if (this.#hosts.has(host)) return host;
    if (this.#hosts.size >= MAX_HOST_LABELS) return 'other';
    this.#hosts.add(host);
    return host;
  }
}

/**
 * The host gate with its traffic counted: places taken by host, time waited for
 * them, time held (the request, connect to last byte) and slowdowns asked for.
 */
export function instrumentHostGate(gate: HostGate, metrics: WorkerMetrics): HostGate {
  return {
    async acquire(host, signal, order) {
      const asked = performance.now();
      const release = await gate.acquire(host, signal, order);
      const granted = performance.now();
      metrics.hostGateWait.observe((granted - asked) / 1000);
      metrics.hostGateRequests.inc({ host: metrics.hostLabel(host) });
      let released = false;
      return hostPlace(() => {
        if (released) return;
        released = true;
        metrics.upstreamRequestDuration.observe((performance.now() - granted) / 1000);
        release();
      }, release.lost);
    },
    slowDown(host, delayMs) {
      metrics.hostSlowdowns.inc({ host: metrics.hostLabel(host) });
      return gate.slowDown(host, delayMs);
    },
  };
}

/**
 * A fetcher with each request counted by host and status (0 when no answer came):
 * the worker has openPipeline wrap its HTTP client with it.
 */
export function instrumentFetcher(fetcher: Fetcher, metrics: WorkerMetrics): Fetcher {
  return {
    async fetch(url, init) {
      const host = hostOf(url);
      try {
        const exchange = await fetcher.fetch(url, init);
        metrics.upstreamRequests.inc({ host: metrics.hostLabel(host), status: String(exchange.response.status) });
        return exchange;
      } catch (error) {
        const status = error instanceof FetchError ? error.httpStatus : undefined;
        metrics.upstreamRequests.inc({
          host: metrics.hostLabel(host),
          status: typeof status === 'number' ? String(status) : '0',
        });
        throw error;
      }
    },
  };
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname || 'unknown';
  } catch {
    return 'unknown';
  }
}

export interface MetricsServerOptions {
  metrics: WorkerMetrics;
  /** TCP port; 0 picks a free one (see `address`). */
  port: number;
  /** Default: every interface, so a Prometheus in another container can scrape it. */
  host?: string;
  /** Resolves when Redis answers, rejects when it does not; /healthz turns 503 then. */
  checkRedis: () => Promise<void>;
  log?: Logger;
}

export interface MetricsServer {
  readonly address: AddressInfo;
  close(): Promise<void>;
}

/** Serves `GET /metrics` (Prometheus text) and `GET /healthz` (200 when Redis answers, else 503, JSON). */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { metrics, checkRedis } = options;
  const log = options.log ?? silentLogger;
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      metrics.registry
        .metrics()
        .then((text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text))
        .catch((error: unknown) => {
          log.error('metrics.collect_failed', errorFields(error));
          response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics collection failed\n');
        });
      return;
    }
    if (path === '/healthz') {
      checkRedis()
        .then(() => {
          metrics.redisUp.set(1);
          response
            .writeHead(200, { 'content-type': 'application/json' })
            .end(`${JSON.stringify({ status: 'ok', redis: 'up' })}\n`);
        })
        .catch((error: unknown) => {
          metrics.redisUp.set(0);
          const body = { status: 'unhealthy', redis: 'down', error: errorFields(error).error };
          response.writeHead(503, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
        });
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics or /healthz\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    address: server.address() as AddressInfo,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export function withTimeout<T>(promise: Promise<T>, ms: number, message = `timed out after ${ms} ms`): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
