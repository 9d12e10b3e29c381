import { spawn, spawnSync } from 'node:child_process';
import { createServer, connect } from 'node:net';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The Redis the tests use: REDIS_URL, or a private server this setup started. */
    redisUrl: string;
  }
}

/**
 * `npm test` needs Redis (contract section 2): REDIS_URL (default 127.0.0.1:6379)
 * when something answers there; otherwise a private redis-server on a free port,
 * stopped afterwards; otherwise fail at once and say how to get one.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const configured = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (await answersPing(configured)) {
    project.provide('redisUrl', configured);
    return () => Promise.resolve();
  }
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    throw new Error(
      `No Redis answers at ${configured} and redis-server is not on the PATH. ` +
        `Start one with 'docker compose up -d redis' (or set REDIS_URL) and run the tests again.`,
    );
  }
  const port = await freePort();
  const server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const url = `redis://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 100 && !(await answersPing(url)); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (!(await answersPing(url))) throw new Error(`the private redis-server on port ${port} did not start`);
  project.provide('redisUrl', url);
  return async () => {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
  };
}

/** A raw RESP PING, so the check needs no client library and no retries. */
async function answersPing(redisUrl: string): Promise<boolean> {
  const url = new URL(redisUrl);
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname || '127.0.0.1', port: Number(url.port || 6379) });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    // A password-protected Redis answers -NOAUTH: it is there, and the URL carries the password.
    socket.once('data', (data) => done(/^(\+PONG|-NOAUTH)/.test(data.toString())));
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
