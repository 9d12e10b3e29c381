import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { DocumentRecord } from '../../src/model/index.js';
import { redisOptionsFromUrl } from '../../workers/connection.js';
import { archiveJobOptions, JOB, openDocumentsQueue } from '../../workers/queues.js';
import { runWorker } from '../../workers/worker.js';
import { ArticleServer } from '../workers/support/article-server.js';
import { captureLogger } from '../workers/support/capture-log.js';

// Redis itself restarted mid-job (contract section 9): a private redis-server with AOF
// on, as docker-compose.yml runs it, stopped and started again under a running worker.

const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;

describe.skipIf(!hasRedisServer)('a Redis restart under a running worker', () => {
  let dir: string;
  let port: number;
  let redis: ChildProcess | undefined;
  let site: ArticleServer;

  const startRedis = async () => {
    const server = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--appendonly',
        'yes',
        '--save',
        '',
        '--maxmemory-policy',
        'noeviction',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    // redis-server logs this line once it accepts connections.
    await new Promise<void>((resolve, reject) => {
      let output = '';
      server.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
        if (/Ready to accept connections/.test(output)) resolve();
      });
      server.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output}`)));
    });
    redis = server;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'citesnap-redis-restart-'));
    port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    await startRedis();
    site = await ArticleServer.start();
  });

  afterAll(async () => {
    redis?.kill('SIGKILL');
    await site.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('finishes the job that was running, and takes the next', async () => {
    const redisUrl = `redis://127.0.0.1:${port}`;
    const config = loadConfig({
      CITESNAP_DATA_DIR: join(dir, 'data'),
      REDIS_URL: redisUrl,
      CITESNAP_CONNECT_TO: site.route('site.news.test'),
    });
    const capture = captureLogger();
    const worker = await runWorker({ config, handleSignals: false, log: capture.log });
    const queue = openDocumentsQueue({
      connection: { ...redisOptionsFromUrl(redisUrl), maxRetriesPerRequest: null },
      prefix: 'citesnap',
    });
    queue.on('error', () => undefined);
    try {
      site.holding = true;
      const requested = site.nextRequest();
      const job = await queue.add(
        JOB.archive,
        { docId: 'through-restart', source: { url: 'http://site.news.test/a' } },
        archiveJobOptions('through-restart'),
      );
      const completed = new Promise<void>((resolve) => {
        worker.documents.on('completed', (done) => {
          if (done.id === job.id) resolve();
        });
      });
      await requested;

      const admin = new Redis(redisUrl, { retryStrategy: () => null, maxRetriesPerRequest: 0 });
      admin.on('error', () => undefined);
      const stopped = once(redis!, 'exit');
      // SHUTDOWN writes the AOF and stops; it has no answer, the connection just drops.
      await admin.shutdown().catch(() => undefined);
      admin.disconnect();
      await stopped;
      await capture.event('redis.unreachable');
      await startRedis();
      site.releaseAll();
      await completed;
      const record = JSON.parse(
        await readFile(join(dir, 'data', 'documents', 'through-restart.json'), 'utf8'),
      ) as DocumentRecord;
      expect(record.source.uri).toBe('http://site.news.test/a');

      const next = await queue.add(
        JOB.archive,
        { docId: 'after-restart', source: { text: 'no citations' } },
        archiveJobOptions('after-restart'),
      );
      const nextDone = new Promise<void>((resolve) => {
        worker.documents.on('completed', (done) => {
          if (done.id === next.id) resolve();
        });
      });
      await nextDone;
      expect(await (await queue.getJob(job.id!))?.getState()).toBe('completed');
    } finally {
      await worker.close();
      await queue.close();
    }
  });
});
