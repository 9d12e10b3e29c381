import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createRoutedAgent, fetchAnswer } from '../support/fake-upstream/index.js';

const MAIN = fileURLToPath(new URL('../support/fake-upstream/main.ts', import.meta.url));

const SCENARIO = {
  posts: [
    {
      id: '1729555061938819317',
      handle: 'DGSN_MAROC',
      name: 'DGSN MAROC',
      text: 'بلاغ',
      lang: 'ar',
      photos: [{ url: 'https://pbs.twimg.com/media/GAbcDEF.jpg', width: 800, height: 600 }],
      mediaShortCode: 'rdI6rg3QRE',
    },
  ],
  shortLinks: [{ code: 'Q558GooFYF', target: 'https://news.example.com/a' }],
  pages: [
    { url: 'https://news.example.com/a', body: '<p>Été</p>', charset: 'windows-1252' },
    { url: 'https://news.example.com/slow', body: 'slow', delayMs: 300 },
    { url: 'https://news.example.com/bytes', bodyBase64: Buffer.from([0xff, 0x00, 0x80]).toString('base64') },
  ],
  redirects: [{ url: 'https://news.example.com/old', location: '/a', status: 302 }],
  waybackSnapshots: [
    {
      url: 'https://twitter.com/DGSN_MAROC/status/1729555061938819317',
      timestamp: '20231128120000',
      body: '{}',
      contentType: 'application/json',
    },
  ],
  failures: [{ target: 'https://news.example.com/flaky', statuses: [503], retryAfter: '1' }],
};

interface Started {
  child: ChildProcess;
  ready: { routes: string; httpsPort: number; httpPort: number };
}

let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'citesnap-fake-upstream-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** Starts main.ts and waits for its JSON line; fails with its stderr if it exits first. */
async function startMain(args: string[]): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const line = await Promise.race([
    once(createInterface({ input: child.stdout }), 'line').then(([first]) => first as string),
    once(child, 'exit').then(([code]) =>
      Promise.reject(new Error(`main.ts exited ${String(code)} before it served: ${stderr}`)),
    ),
  ]);
  return { child, ready: JSON.parse(line) as Started['ready'] };
}

async function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

describe('main.ts, the fake as a process of its own', () => {
  it('loads a scenario, prints its routes and ports, serves, reports stats and stops on SIGTERM', async () => {
    const scenarioFile = join(directory, 'scenario.json');
    await writeFile(scenarioFile, JSON.stringify(SCENARIO));
    const { child, ready } = await startMain(['--scenario', scenarioFile]);
    const agent = createRoutedAgent(ready);
    const plain = new Agent();
    try {
      expect(ready.routes).toContain(`t.co:443:127.0.0.1:${ready.httpsPort}`);
      expect(ready.routes).toContain(`news.example.com:80:127.0.0.1:${ready.httpPort}`);

      expect((await fetchAnswer(agent, 'https://t.co/Q558GooFYF')).headers['location']).toBe(
        'https://news.example.com/a',
      );
      expect((await fetchAnswer(agent, 'https://t.co/rdI6rg3QRE')).headers['location']).toBe(
        'https://twitter.com/DGSN_MAROC/status/1729555061938819317/photo/1',
      );
      expect((await fetchAnswer(agent, 'https://news.example.com/a')).body).toEqual(
        Buffer.from([0x3c, 0x70, 0x3e, 0xc9, 0x74, 0xe9, 0x3c, 0x2f, 0x70, 0x3e]),
      );
      expect((await fetchAnswer(agent, 'https://news.example.com/bytes')).body).toEqual(
        Buffer.from([0xff, 0x00, 0x80]),
      );
      expect((await fetchAnswer(agent, 'https://news.example.com/old')).status).toBe(302);
      expect((await fetchAnswer(agent, 'https://news.example.com/flaky')).status).toBe(503);
      expect(
        (await fetchAnswer(agent, 'https://pbs.twimg.com/media/GAbcDEF.jpg?name=orig')).headers['content-type'],
      ).toBe('image/jpeg');
      const wayback = await fetchAnswer(
        agent,
        'https://archive.org/wayback/available?url=twitter.com/DGSN_MAROC/status/1729555061938819317',
      );
      expect(JSON.parse(wayback.text)).toMatchObject({
        archived_snapshots: { closest: { timestamp: '20231128120000' } },
      });
      await Promise.all([1, 2, 3].map(() => fetchAnswer(agent, 'https://news.example.com/slow')));

      const stats = JSON.parse(
        (await fetchAnswer(plain, `http://127.0.0.1:${ready.httpPort}/__fake/stats`)).text,
      ) as unknown;
      expect(stats).toMatchObject({
        requests: 11,
        hosts: {
          't.co': { requests: 2, inFlight: 0, maxInFlight: 1 },
          'news.example.com': { requests: 7, inFlight: 0, maxInFlight: 3 },
          'pbs.twimg.com': { requests: 1 },
          'archive.org': { requests: 1 },
        },
      });
    } finally {
      await agent.close();
      await plain.close();
      child.kill('SIGTERM');
    }
    expect(await exitOf(child)).toBe(0);
  });

  it('adds --latency-ms to every answer', async () => {
    const { child, ready } = await startMain(['--latency-ms', '200']);
    const agent = createRoutedAgent(ready);
    try {
      const started = performance.now();
      expect((await fetchAnswer(agent, 'https://t.co/unknown')).status).toBe(404);
      expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    } finally {
      await agent.close();
      child.kill('SIGTERM');
    }
    expect(await exitOf(child)).toBe(0);
  });

  it('exits 2 naming the field of a bad scenario', async () => {
    const scenarioFile = join(directory, 'bad.json');
    await writeFile(scenarioFile, JSON.stringify({ posts: [{ id: '1', handle: 'a', name: 'A' }] }));
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--scenario', scenarioFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    expect(await exitOf(child)).toBe(2);
    expect(stderr).toBe('fake-upstream: scenario.posts[0].text: missing\n');
  });
});
