import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { link, mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDirClaims } from '../../src/record/data-dir-claims.js';

// The data dir's claims between processes with no Redis (issue 8, item 8); two
// `archive` runs sharing them are tested through the CLI in cli-shared-data-dir.test.ts.

const CLAIMS_MODULE = fileURLToPath(new URL('../../src/record/data-dir-claims.ts', import.meta.url));

let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'citesnap-claims-'));
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('DataDirClaims', () => {
  it('makes a second holder wait until the first releases', async () => {
    const first = new DataDirClaims({ dataDir });
    const second = new DataDirClaims({ dataDir });
    const order: string[] = [];
    const release = await first.acquire('post:1');
    const waiting = second.acquire('post:1').then((next) => {
      order.push('second holds');
      return next;
    });
    // Another key is not held up.
    await (
      await second.acquire('post:2')
    )();
    order.push('first releases');
    await release();
    await (
      await waiting
    )();
    expect(order).toEqual(['first releases', 'second holds']);
  });

  it('takes over the claim of a process killed while holding it, once its lease is out', async () => {
    const holder = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `const { DataDirClaims } = await import(${JSON.stringify(CLAIMS_MODULE)});
         await new DataDirClaims({ dataDir: ${JSON.stringify(dataDir)}, leaseMs: 2000 }).acquire('post:1');
         process.stdout.write('held\\n');
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const [line] = (await once(holder.stdout, 'data')) as [Buffer];
    expect(line.toString()).toBe('held\n');
    holder.kill('SIGKILL');
    await once(holder, 'exit');

    const claims = new DataDirClaims({ dataDir, leaseMs: 2000 });
    const release = await claims.acquire('post:1');
    await release();
    await claims.close();
  });

  it('refuses new claims once closed, and gives up those held', async () => {
    const claims = new DataDirClaims({ dataDir });
    await claims.acquire('post:1');
    await claims.close();
    await expect(claims.acquire('post:2')).rejects.toThrow('closed');
    const other = new DataDirClaims({ dataDir });
    await (
      await other.acquire('post:1')
    )();
  });

  it('links every claim to one holder file, renewed by one touch, and unlinks each on release', async () => {
    const claims = new DataDirClaims({ dataDir });
    const releases = await Promise.all(['post:1', 'post:2', 'link:https://t.co/a'].map((key) => claims.acquire(key)));
    const [holder = ''] = await readdir(join(dataDir, 'claims', 'holders'));
    const holderPath = join(dataDir, 'claims', 'holders', holder);
    // The holder's own name and one link a claim: no inode made or freed a claim.
    expect((await stat(holderPath)).nlink).toBe(4);
    for (const release of releases) await release();
    expect((await stat(holderPath)).nlink).toBe(1);
    await claims.close();
    expect(await readdir(join(dataDir, 'claims', 'holders'))).toEqual([]);
  });

  it('takes over the claims of a holder long dead, and removes its holder file', async () => {
    const holders = join(dataDir, 'claims', 'holders');
    await mkdir(holders, { recursive: true });
    const dead = join(holders, 'gone-1-x');
    await writeFile(dead, '{}\n');
    // A claim on post:9 as its process left it: a link to its holder, last touched a minute ago.
    const hash = createHash('sha256').update('post:9').digest('hex');
    await mkdir(join(dataDir, 'claims', hash.slice(0, 2)));
    await link(dead, join(dataDir, 'claims', hash.slice(0, 2), hash));
    const aMinuteAgo = new Date(Date.now() - 60_000);
    await utimes(dead, aMinuteAgo, aMinuteAgo);

    const claims = new DataDirClaims({ dataDir, leaseMs: 2000 });
    const release = await claims.acquire('post:9');
    expect(await readdir(holders)).not.toContain('gone-1-x');
    await release();
    await claims.close();
  });
});
