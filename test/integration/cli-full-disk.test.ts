import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WARCParser } from 'warcio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveDocId } from '../../src/model/index.js';
import { FakeUpstream } from '../support/fake-upstream/index.js';
import { runCli } from '../support/run-cli.js';

// A real full disk: the data dir is a small tmpfs (root can mount one; elsewhere these
// tests are skipped, and the injected failures of test/capture/warc-writer.test.ts remain).

const TMPFS_BYTES = 256 * 1024;

/** Mounts a tmpfs of `bytes` at a new folder; undefined where this user cannot. */
function mountSmallDisk(bytes: number): string | undefined {
  const folder = spawnSync('mktemp', ['-d', join(tmpdir(), 'citesnap-full-disk-XXXXXX')], { encoding: 'utf8' });
  const path = folder.stdout.trim();
  if (folder.status !== 0 || path === '') return undefined;
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', path], { encoding: 'utf8' });
  if (mounted.status === 0) return path;
  spawnSync('rmdir', [path]);
  return undefined;
}

const disk = mountSmallDisk(TMPFS_BYTES);

/** An article whose answer cannot fit on the disk, even gzipped: random words. */
function bigArticle(title: string): string {
  const words = randomBytes(TMPFS_BYTES * 2).toString('base64');
  return `<html><head><title>${title}</title></head><body><p>${words}</p></body></html>`;
}

/** Every record type of one WARC file, in order, read with warcio. */
async function recordTypes(path: string): Promise<string[]> {
  const types: string[] = [];
  for await (const record of new WARCParser(createReadStream(path))) types.push(record.warcType ?? '');
  return types;
}

describe.skipIf(disk === undefined)('citesnap archive on a full disk', () => {
  const dataDir = join(disk ?? '', 'data');
  let upstream: FakeUpstream;
  let work: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    upstream = await FakeUpstream.start();
    for (const name of ['big-1', 'big-2', 'big-3']) {
      upstream.addPage(`https://news.test/${name}`, { body: bigArticle(name), charset: 'utf-8' });
    }
    upstream.addPage('https://news.test/small', {
      body: '<html><head><title>Small</title></head><body><p>A short one.</p></body></html>',
      charset: 'utf-8',
    });
    work = await mkdtemp(join(tmpdir(), 'citesnap-full-disk-work-'));
    await mkdir(dataDir);
    env = { ...upstream.env, CITESNAP_DATA_DIR: dataDir };
  });

  afterAll(async () => {
    await upstream?.close();
    if (disk !== undefined) {
      spawnSync('umount', [disk]);
      await rm(disk, { recursive: true, force: true });
    }
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('names the document and the WARC file that could not be written, and leaves no WARC file behind', async () => {
    const url = 'https://news.test/big-1';
    const result = await runCli(['archive', url], { env });

    expect(result.code).toBe(1);
    const docId = deriveDocId({ url });
    const line = new RegExp(
      `^citesnap: ${docId}: cannot write ${dataDir}/warc/citesnap-[^ ]+\\.warc\\.gz: no space left on device \\(ENOSPC\\)\\n$`,
    );
    expect(result.stderr).toMatch(line);
    // Neither an empty file, nor one with only its warcinfo record, nor a temp file.
    expect(await readdir(join(dataDir, 'warc'))).toEqual([]);
  });

  it('keeps the WARC files written before the disk filled whole, and adds none for the writes that failed', async () => {
    const small = await runCli(['archive', '--json', 'https://news.test/small'], { env });
    expect(small.stderr).toBe('');
    expect(small.code).toBe(0);
    const [written] = await readdir(join(dataDir, 'warc'));
    const before = await readFile(join(dataDir, 'warc', written ?? ''));

    const sources = ['https://news.test/big-1', 'https://news.test/big-2', 'https://news.test/big-3'];
    for (let run = 0; run < 3; run += 1) {
      const result = await runCli(['archive', ...sources], { env });
      expect(result.code).toBe(1);
      const lines = result.stderr.trimEnd().split('\n');
      // One line a document, in the order of the sources, each naming its document and its file.
      expect(lines.map((text) => text.split(': cannot write ')[0])).toEqual(
        sources.map((url) => `citesnap: ${deriveDocId({ url })}`),
      );
      for (const text of lines) expect(text).toMatch(/\/warc\/citesnap-[^ ]+\.warc\.gz: no space left on device/);
    }

    expect(await readdir(join(dataDir, 'warc'))).toEqual([written]);
    expect(await readFile(join(dataDir, 'warc', written ?? ''))).toEqual(before);
    expect(await recordTypes(join(dataDir, 'warc', written ?? ''))).toEqual(['warcinfo', 'request', 'response']);
  });

  it('on a disk with no room left at all, fails each run the same way and adds no file', async () => {
    const filesBefore = await readdir(join(dataDir, 'warc'));
    const filler = join(dataDir, 'filler');
    await writeFile(filler, Buffer.alloc(0));
    for (;;) {
      try {
        await writeFile(filler, Buffer.alloc(4096), { flag: 'a' });
      } catch {
        break;
      }
    }
    try {
      for (let run = 0; run < 3; run += 1) {
        const result = await runCli(['archive', '--doc-id', 'no-room', 'https://news.test/small'], { env });
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(/^citesnap: no-room: cannot write \S+: no space left on device \(ENOSPC\)\n$/);
      }
    } finally {
      await rm(filler);
    }
    expect(await readdir(join(dataDir, 'warc'))).toEqual(filesBefore);
  });
});
