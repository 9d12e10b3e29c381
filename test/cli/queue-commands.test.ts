import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { runQueueCommand, type QueueCommand } from '../../cli/queue-commands.js';
import { redisOptionsFromUrl } from '../../workers/connection.js';
import { openDocumentsQueue } from '../../workers/queues.js';
import { OldRedisServer } from '../workers/support/old-redis-server.js';
import { spawnQueueCli } from '../workers/support/processes.js';
import { adminRedis, deleteKeys, testRedisUrl, uniquePrefix } from '../workers/support/redis.js';

describe('queue commands', () => {
  const prefix = uniquePrefix();
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'citesnap-commands-'));
    await writeFile(join(dir, 'Front Page (2024).html'), '<p>hi</p>');
  });

  afterAll(async () => {
    const queue = openDocumentsQueue({ connection: redisOptionsFromUrl(testRedisUrl()), prefix });
    await queue.obliterate({ force: true });
    await queue.close();
    const admin = adminRedis();
    await deleteKeys(admin, prefix);
    await admin.quit();
    await rm(dir, { recursive: true, force: true });
  });

  async function run(command: QueueCommand, args: string[], options: { env?: NodeJS.ProcessEnv; stdin?: string } = {}) {
    let stdout = '';
    let stderr = '';
    const code = await runQueueCommand(command, args, {
      env: {
        ...process.env,
        REDIS_URL: testRedisUrl(),
        CITESNAP_QUEUE_PREFIX: prefix,
        CITESNAP_DATA_DIR: join(dir, 'data'),
        ...options.env,
      },
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
      ...(options.stdin === undefined ? {} : { stdin: [Buffer.from(options.stdin)] }),
    });
    return { code, stdout, stderr };
  }

  it.each([
    [[], 'citesnap: enqueue: expected at least one source (a file, - for stdin, or an http(s) URL)\n'],
    [
      ['https://a.example/1', 'https://a.example/2', '--doc-id', 'x'],
      'citesnap: enqueue: --doc-id goes with a single source only\n',
    ],
    [['https://a.example/1', '--doc-id', '../x'], /^citesnap: --doc-id: invalid doc id "..\/x"/],
    [['-', '-'], 'citesnap: enqueue: standard input (-) can be read once only\n'],
    [['ftp://a.example/x'], 'citesnap: ftp://a.example/x: unsupported scheme, expected a file, - or an http(s) URL\n'],
    [['/no/such/article.html'], 'citesnap: /no/such/article.html: no such file, expected a readable article file\n'],
    [['--json', 'https://a.example/'], /^citesnap: enqueue: Unknown option '--json'/],
  ])('enqueue %j exits 2 with one line, enqueuing nothing', async (args, message) => {
    const result = await run('enqueue', args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    if (typeof message === 'string') expect(result.stderr).toBe(message);
    else expect(result.stderr).toMatch(message);
  });

  it.each([
    [
      'goes away in the middle of the command',
      { hangUp: true },
      /^citesnap: cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+ \(.+\); start one/,
    ],
    [
      'refuses the command but answers (too old)',
      { hangUp: false },
      /^citesnap: internal error: Redis version needs to be greater or equal than 5\.0\.0/,
    ],
  ])('enqueue exits 1 when Redis %s, telling an outage from a refusal', async (_what, options, message) => {
    const redis = await OldRedisServer.start(options);
    onTestFinished(() => redis.close());
    const result = await run('enqueue', ['https://a.example/article'], { env: { REDIS_URL: redis.url } });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
  });

  it('enqueues files and stdin inline (a file with its file URL), URLs as they are, one job id a line', async () => {
    const file = relative(process.cwd(), join(dir, 'Front Page (2024).html'));
    const result = await run('enqueue', [file, 'https://news.example/2024/story?id=7', '-'], {
      stdin: '<!doctype html><p>from stdin</p>',
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const ids = result.stdout.split('\n').filter(Boolean);
    expect(ids).toHaveLength(3);
    const queue = openDocumentsQueue({ connection: redisOptionsFromUrl(testRedisUrl()), prefix });
    const jobs = await Promise.all(ids.map((id) => Job.fromId(queue, id)));
    await queue.close();
    expect(jobs.map((job): unknown[] => [job?.name, job?.data as unknown])).toEqual([
      [
        'archive',
        {
          docId: 'Front-Page-2024',
          source: { html: '<p>hi</p>', uri: pathToFileURL(join(dir, 'Front Page (2024).html')).href },
        },
      ],
      ['archive', { docId: 'news.example-2024-story-id-7', source: { url: 'https://news.example/2024/story?id=7' } }],
      [
        'archive',
        {
          docId: expect.stringMatching(/^stdin-[0-9a-f]{16}$/) as string,
          source: { html: '<!doctype html><p>from stdin</p>', uri: 'stdin:' },
        },
      ],
    ]);
    expect(jobs[0]?.opts).toMatchObject({
      attempts: 5,
      deduplication: { id: 'Front-Page-2024', keepLastIfActive: true },
    });

    const plain = await run('enqueue', ['-', '--doc-id', 'typed'], { stdin: 'just text' });
    expect(plain.code).toBe(0);
  });

  it('enqueues a file by its absolute path with --by-path, once it has read it as a worker would', async () => {
    const file = relative(process.cwd(), join(dir, 'Front Page (2024).html'));
    const result = await run('enqueue', ['--by-path', file, '--doc-id', 'by-path']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const queue = openDocumentsQueue({ connection: redisOptionsFromUrl(testRedisUrl()), prefix });
    const job = await Job.fromId(queue, result.stdout.trim());
    await queue.close();
    expect(job?.data).toEqual({ docId: 'by-path', source: { path: join(dir, 'Front Page (2024).html') } });

    const folder = await run('enqueue', ['--by-path', dir]);
    expect(folder).toEqual({
      code: 2,
      stdout: '',
      stderr: `citesnap: ${dir}: is a directory, expected an article file\n`,
    });
  });

  it('exits 1 with a clear line when Redis is unreachable', async () => {
    const result = await run('enqueue', ['https://news.example/a'], { env: { REDIS_URL: 'redis://127.0.0.1:1' } });
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr:
        "citesnap: cannot reach Redis at redis://127.0.0.1:1 (connection refused); start one (e.g. 'docker compose up -d redis') or set REDIS_URL\n",
    });
    const worker = await run('worker', [], { env: { REDIS_URL: 'redis://127.0.0.1:1' } });
    expect(worker.code).toBe(1);
    expect(worker.stderr).toMatch(/^citesnap: cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
  });

  it.each([
    [['--concurrency', '0'], 'citesnap: --concurrency: expected a whole number from 1 to 1000, got "0"\n', {}],
    [['--metrics-port', 'http'], 'citesnap: --metrics-port: expected a whole number from 0 to 65535, got "http"\n', {}],
    [['extra'], 'citesnap: worker: unexpected argument "extra"\n', {}],
    [[], /^citesnap: CITESNAP_QUEUE_PREFIX: expected/, { CITESNAP_QUEUE_PREFIX: 'a:b' }],
    [[], /^citesnap: CITESNAP_SHUTDOWN_GRACE: expected a duration/, { CITESNAP_SHUTDOWN_GRACE: 'soon' }],
    [[], /^citesnap: CITESNAP_HOST_CONCURRENCY: expected a whole number/, { CITESNAP_HOST_CONCURRENCY: 'many' }],
  ])('worker %j exits 2', async (args, message, env) => {
    const result = await run('worker', args, { env });
    expect(result.code).toBe(2);
    if (typeof message === 'string') expect(result.stderr).toBe(message);
    else expect(result.stderr).toMatch(message);
  });
});

describe('worker start-up', () => {
  it('refuses a metrics port in use, starting nothing (exit 2)', async () => {
    const { createServer } = await import('node:net');
    const taken = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => taken.once('listening', resolve));
    const port = (taken.address() as { port: number }).port;
    let stderr = '';
    const code = await runQueueCommand('worker', ['--metrics-port', String(port)], {
      env: {
        ...process.env,
        REDIS_URL: testRedisUrl(),
        CITESNAP_QUEUE_PREFIX: uniquePrefix(),
        CITESNAP_DATA_DIR: join(tmpdir(), 'citesnap-unused'),
      },
      stderr: (text) => (stderr += text),
    });
    taken.close();
    expect(code).toBe(2);
    expect(stderr).toBe(`citesnap: --metrics-port ${port}: cannot serve metrics there (the port is in use)\n`);
  });

  it('exits 1, leaving nothing running, when Redis answers but is too old for BullMQ', async () => {
    // Start-up fails only once the BullMQ Workers exist: everything opened before them must be closed too.
    const redis = await OldRedisServer.start();
    const worker = spawnQueueCli(['worker', '--metrics-port', '0'], {
      REDIS_URL: redis.url,
      CITESNAP_QUEUE_PREFIX: uniquePrefix(),
      CITESNAP_DATA_DIR: join(tmpdir(), 'citesnap-unused'),
    });
    // Run even when the test times out, as it does should the worker hang again.
    onTestFinished(async () => {
      worker.child.kill('SIGKILL');
      await redis.close();
    });
    expect(await worker.exited, worker.stdout()).toBe(1);
    expect(worker.stderr()).toBe(
      'citesnap: internal error: Redis version needs to be greater or equal than 5.0.0 Current: 4.0.0\n',
    );
    expect(redis.openConnections).toBe(0);
  });
});
