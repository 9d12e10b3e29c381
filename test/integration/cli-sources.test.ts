import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeUpstream } from '../support/fake-upstream/index.js';
import { runCli } from '../support/run-cli.js';

// What `citesnap archive` reads and refuses (contract section 4, CITESNAP_MAX_SOURCE_BYTES):
// a cap counted while reading, whatever a stat says, and regular files only.

describe('citesnap archive: the sources it reads', () => {
  let upstream: FakeUpstream;
  let work: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    upstream = await FakeUpstream.start();
    upstream.addPage('https://news.test/long-article', {
      body: `<html><head><title>Long</title></head><body><p>${'x'.repeat(5000)}</p></body></html>`,
    });
    work = await mkdtemp(join(tmpdir(), 'citesnap-cli-sources-'));
    env = { ...upstream.env, CITESNAP_DATA_DIR: join(work, 'data') };
  });

  afterAll(async () => {
    await upstream.close();
    await rm(work, { recursive: true, force: true });
  });

  it('refuses /dev/zero at once (exit 2): only regular files are read', async () => {
    const result = await runCli(['archive', '/dev/zero'], { env });
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: 'citesnap: /dev/zero: is a device, expected an article file\n',
    });
  });

  it('refuses a FIFO without waiting for a writer (exit 2)', async () => {
    const fifo = join(work, 'article.fifo');
    execFileSync('mkfifo', [fifo]);
    const result = await runCli(['archive', fifo], { env });
    expect(result).toEqual({ code: 2, stdout: '', stderr: `citesnap: ${fifo}: is a FIFO, expected an article file\n` });
  });

  it('counts the bytes as it reads: a file whose size says 0 is refused past the cap, naming it and the cap', async () => {
    // Files under /proc are regular files that stat as empty and read as much as they hold.
    const result = await runCli(['archive', '/proc/self/environ', '--no-sidecar'], {
      env: { ...env, CITESNAP_MAX_SOURCE_BYTES: '16' },
    });
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'citesnap: /proc/self/environ: larger than the 16-byte limit on an article (CITESNAP_MAX_SOURCE_BYTES), not read further\n',
    });
  });

  it('refuses a file, standard input and an article URL larger than CITESNAP_MAX_SOURCE_BYTES, and archives the others', async () => {
    const small = join(work, 'small.txt');
    const large = join(work, 'large.txt');
    await writeFile(small, 'A short article.');
    await writeFile(large, 'A long article. '.repeat(100));
    const capped = { ...env, CITESNAP_MAX_SOURCE_BYTES: '1000' };

    const files = await runCli(['archive', large, small], { env: capped });
    expect(files.code).toBe(2);
    expect(files.stderr).toBe(
      `citesnap: ${large}: larger than the 1000-byte limit on an article (CITESNAP_MAX_SOURCE_BYTES), not read further\n`,
    );
    expect(files.stdout).toMatch(/^small: 0 citations -> /);
    expect((await readdir(join(work, 'data', 'documents'))).sort()).toEqual(['small.json']);

    const stdin = await runCli(['archive', '-'], { env: capped, input: 'x'.repeat(1001) });
    expect(stdin).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'citesnap: standard input: larger than the 1000-byte limit on an article (CITESNAP_MAX_SOURCE_BYTES), not read further\n',
    });

    const url = await runCli(['archive', 'https://news.test/long-article'], { env: capped });
    expect(url).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'citesnap: https://news.test/long-article: larger than the 1000-byte limit on an article (CITESNAP_MAX_SOURCE_BYTES), not read further\n',
    });
  });

  it('refuses a bad CITESNAP_MAX_SOURCE_BYTES or CITESNAP_QUEUE_SIDECARS, naming it (exit 2)', async () => {
    const size = await runCli(['archive', '/dev/null'], { env: { ...env, CITESNAP_MAX_SOURCE_BYTES: '20MB' } });
    expect(size).toEqual({
      code: 2,
      stdout: '',
      stderr: 'citesnap: CITESNAP_MAX_SOURCE_BYTES: expected a whole number of at least 1, got "20MB"\n',
    });
    const sidecars = await runCli(['archive', '/dev/null'], { env: { ...env, CITESNAP_QUEUE_SIDECARS: 'yes' } });
    expect(sidecars).toEqual({
      code: 2,
      stdout: '',
      stderr: 'citesnap: CITESNAP_QUEUE_SIDECARS: expected 1 (write sidecars for path jobs) or 0, got "yes"\n',
    });
  });
});
