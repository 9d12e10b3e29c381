import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { BIN } from '../support/run-cli.js';

const { threadPoolSize } = createRequire(import.meta.url)('../../bin/thread-pool.cjs') as {
  threadPoolSize: (cores: number) => number;
};

/** The threads of a `citesnap serve` started through the launcher, counted once it serves. */
async function threadsOfServe(env: Record<string, string>): Promise<number> {
  const dataDir = await mkdtemp(join(tmpdir(), 'citesnap-launcher-'));
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
    env: { PATH: process.env.PATH ?? '', CITESNAP_DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', () => resolve());
      child.once('exit', (code) => reject(new Error(`citesnap serve exited with ${code}`)));
    });
    const threads = await readdir(`/proc/${child.pid}/task`);
    // Each is a thread of the process; read one to be sure the listing is the live process's.
    expect(await readFile(`/proc/${child.pid}/task/${threads[0]}/comm`, 'utf8')).not.toBe('');
    return threads.length;
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

describe('the citesnap launcher', () => {
  it("sizes libuv's thread pool to the machine's cores, at least 2 and at most libuv's 4", () => {
    expect([1, 2, 3, 4, 16].map(threadPoolSize)).toEqual([2, 2, 3, 4, 4]);
  });

  it.runIf(process.platform === 'linux')(
    "runs the CLI with that pool, and keeps a user's UV_THREADPOOL_SIZE",
    async () => {
      const ours = await threadsOfServe({});
      const users = await threadsOfServe({ UV_THREADPOOL_SIZE: '7' });
      // The two processes differ in their pool alone.
      expect(users - ours).toBe(7 - threadPoolSize(availableParallelism()));
    },
  );
});
