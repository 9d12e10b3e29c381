import { once } from 'node:events';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { FetchError } from '../../src/errors.js';
import type { HttpExchange } from '../../src/net/index.js';
import { InProcessHostGate } from '../../src/net/index.js';
import { reconnectDelay, redisOptionsFromUrl } from '../../workers/connection.js';
import {
  instrumentFetcher,
  instrumentHostGate,
  startMetricsServer,
  withTimeout,
  WorkerMetrics,
  type MetricsServer,
} from '../../workers/metrics.js';
import { testRedisUrl } from './support/redis.js';

/** A health connection as the worker makes it: no offline queue, so a PING fails at once while Redis is away. */
function healthClient(url: string): Redis {
  const client = new Redis({
    ...redisOptionsFromUrl(url),
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: reconnectDelay,
  });
  client.on('error', () => undefined);
  return client;
}

describe('the metrics server', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function serve(redisUrl: string): Promise<{ base: string; metrics: WorkerMetrics; client: Redis }> {
    const client = healthClient(redisUrl);
    cleanups.push(() => client.disconnect());
    const metrics = new WorkerMetrics();
    const server: MetricsServer = await startMetricsServer({
      metrics,
      port: 0,
      host: '127.0.0.1',
      checkRedis: async () => {
        await withTimeout(client.ping(), 1_000);
      },
    });
    cleanups.push(() => server.close());
    return { base: `http://127.0.0.1:${server.address.port}`, metrics, client };
  }

  it('answers /healthz 200 while Redis answers', async () => {
    const { base, metrics, client } = await serve(testRedisUrl());
    if (client.status !== 'ready') await once(client, 'ready');
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', redis: 'up' });
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/^citesnap_redis_up 1$/m);
    expect(await metrics.registry.getSingleMetricAsString('citesnap_redis_up')).toMatch(/ 1$/);
  });

  it('answers /healthz 503 when Redis is unreachable', async () => {
    const { base } = await serve('redis://127.0.0.1:1');
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: 'unhealthy', redis: 'down' });
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/^citesnap_redis_up 0$/m);
  });

  it('serves Prometheus text with the job, citation and default metrics', async () => {
    const { base, metrics } = await serve(testRedisUrl());
    metrics.jobRun('documents', 'archive', 'completed', 1.5);
    metrics.jobRun('documents', 'archive', 'invalid', 0.01);
    metrics.recordCitations({ archived: 3, deleted: 1, failed: 0 });
    metrics.addQueueDepth('documents', () => Promise.resolve({ waiting: 4, active: 1 }));
    metrics.addQueueDepth('stuck', () => new Promise(() => undefined));
    const response = await fetch(`${base}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/^citesnap_jobs_total\{queue="documents",name="archive",outcome="completed"\} 1$/m);
    expect(text).toMatch(/^citesnap_jobs_total\{queue="documents",name="archive",outcome="invalid"\} 1$/m);
    expect(text).toMatch(
      /^citesnap_job_duration_seconds_bucket\{le="2.5",queue="documents",name="archive",outcome="completed"\} 1$/m,
    );
    expect(text).toMatch(/^citesnap_citations_total\{status="archived"\} 3$/m);
    expect(text).toMatch(/^citesnap_citations_total\{status="deleted"\} 1$/m);
    expect(text).not.toMatch(/status="failed"/);
    expect(text).toMatch(/^citesnap_queue_jobs\{queue="documents",state="waiting"\} 4$/m);
    expect(text).not.toMatch(/queue="stuck"/);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
  });
});

describe('instrumented ports', () => {
  it('counts upstream requests by host and status, 0 for no answer', async () => {
    const metrics = new WorkerMetrics({ defaultMetrics: false });
    const fetcher = instrumentFetcher(
      {
        fetch: (url) => {
          if (url.includes('down')) return Promise.reject(new FetchError('CONNECTION', `GET ${url}: refused`));
          if (url.includes('limited'))
            return Promise.reject(new FetchError('RATE_LIMITED', `GET ${url}: 429`, { httpStatus: 429 }));
          return Promise.resolve({ response: { status: url.includes('gone') ? 404 : 200 } } as HttpExchange);
        },
      },
      metrics,
    );
    await fetcher.fetch('https://t.co/a');
    await fetcher.fetch('https://t.co/b');
    await fetcher.fetch('https://x.com/gone');
    await expect(fetcher.fetch('https://down.example/')).rejects.toThrow('refused');
    await expect(fetcher.fetch('https://limited.example/')).rejects.toThrow('429');
    const text = await metrics.registry.getSingleMetricAsString('citesnap_upstream_requests_total');
    expect(text).toContain('citesnap_upstream_requests_total{host="t.co",status="200"} 2');
    expect(text).toContain('citesnap_upstream_requests_total{host="x.com",status="404"} 1');
    expect(text).toContain('citesnap_upstream_requests_total{host="down.example",status="0"} 1');
    expect(text).toContain('citesnap_upstream_requests_total{host="limited.example",status="429"} 1');
  });

  it('counts places at the host gate and slowdowns, and times the requests', async () => {
    const metrics = new WorkerMetrics({ defaultMetrics: false });
    const gate = instrumentHostGate(new InProcessHostGate({ hostConcurrency: 1 }), metrics);
    const release = await gate.acquire('t.co');
    release();
    release();
    await gate.slowDown('t.co', 1);
    expect(await metrics.registry.getSingleMetricAsString('citesnap_host_gate_requests_total')).toContain(
      '{host="t.co"} 1',
    );
    expect(await metrics.registry.getSingleMetricAsString('citesnap_host_slowdowns_total')).toContain(
      '{host="t.co"} 1',
    );
    expect(await metrics.registry.getSingleMetricAsString('citesnap_upstream_request_duration_seconds')).toMatch(
      /_count 1$/m,
    );
  });

  it('bounds the host label', () => {
    const metrics = new WorkerMetrics({ defaultMetrics: false });
    for (let index = 0; index < 500; index++) expect(metrics.hostLabel(`h${index}.example`)).toBe(`h${index}.example`);
    expect(metrics.hostLabel('one-too-many.example')).toBe('other');
    expect(metrics.hostLabel('h3.example')).toBe('h3.example');
  });
});
