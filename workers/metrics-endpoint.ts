import { Redis } from 'ioredis';
import { errnoCode, messageOf, UsageError } from '../src/errors.js';
import type { Logger } from '../src/ports.js';
import { reconnectDelay, redisOptionsFromUrl } from './connection.js';
import { WORKER_DEFAULTS } from './defaults.js';
import { startMetricsServer, withTimeout, type MetricsServer, type WorkerMetrics } from './metrics.js';

export interface MetricsEndpointOptions {
  redisUrl: string;
  /** The queue prefix, for the health connection's name. */
  prefix: string;
  port: number;
  /** Interface to listen on. Default: all. */
  host?: string | undefined;
  metrics: WorkerMetrics;
  log: Logger;
}

/**
 * Serves /metrics and /healthz for a worker, with its own fail-fast Redis connection
 * for the health check (a PING that waits for a reconnection would never say
 * "down"). A port that cannot be had is bad usage: told before anything else starts.
 */
export async function serveWorkerMetrics(options: MetricsEndpointOptions): Promise<MetricsServer> {
  const health = new Redis({
    ...redisOptionsFromUrl(options.redisUrl),
    connectionName: `${options.prefix}:health`,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: reconnectDelay,
  });
  health.on('error', () => undefined);
  let server: MetricsServer;
  try {
    server = await startMetricsServer({
      metrics: options.metrics,
      port: options.port,
      ...(options.host === undefined ? {} : { host: options.host }),
      checkRedis: async () => {
        const timeoutMs = WORKER_DEFAULTS.healthPingTimeoutMs;
        await withTimeout(health.ping(), timeoutMs, `Redis did not answer PING within ${timeoutMs / 1000} s`);
      },
      log: options.log,
    });
  } catch (error) {
    health.disconnect();
    const code = errnoCode(error);
    const reason =
      code === 'EADDRINUSE' ? 'the port is in use' : code === 'EACCES' ? 'permission denied' : messageOf(error);
    throw new UsageError(`--metrics-port ${options.port}: cannot serve metrics there (${reason})`, { cause: error });
  }
  return {
    address: server.address,
    close: async () => {
      try {
        await server.close();
      } finally {
        health.disconnect();
      }
    },
  };
}
