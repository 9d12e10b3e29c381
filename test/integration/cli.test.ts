import { spawn, spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DocumentRecord } from '../../src/model/index.js';
import { FakeUpstream } from '../support/fake-upstream/index.js';
import { BIN, runCli } from '../support/run-cli.js';

const EXAMPLE = new URL('../../examples/casablanca-extortion-2023-11.txt', import.meta.url);
const EXAMPLE_HTML = new URL('../../examples/casablanca-extortion-2023-11.html', import.meta.url);

describe('citesnap on the command line', () => {
  let upstream: FakeUpstream;
  let work: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    upstream = await FakeUpstream.start();
    upstream.addPost({
      id: '1729555061938819317',
      handle: 'DGSN_MAROC',
      name: 'DGSN MAROC',
      text: 'توقيف مستخدم',
      photos: [{ url: 'https://pbs.twimg.com/media/GAB12cdXwAA3xyz.jpg', width: 800, height: 600 }],
      mediaShortCode: 'rdI6rg3QRE',
    });
    upstream.addPage('https://news.test/article', {
      body: '<html><head><title>An article</title></head><body><p>As reported <a href="https://t.co/rdI6rg3QRE">pic.twitter.com/rdI6rg3QRE</a></p></body></html>',
      charset: 'utf-8',
    });
    work = await mkdtemp(join(tmpdir(), 'citesnap-cli-'));
    env = { ...upstream.env, CITESNAP_DATA_DIR: join(work, 'data') };
  });

  afterAll(async () => {
    await upstream.close();
  });

  async function readRecord(docId: string): Promise<DocumentRecord> {
    return JSON.parse(await readFile(join(work, 'data', 'documents', `${docId}.json`), 'utf8')) as DocumentRecord;
  }

  it('archives the example article and writes the record and its sidecar', async () => {
    const article = join(work, 'casablanca.txt');
    await copyFile(EXAMPLE, article);
    const result = await runCli(['archive', article], { env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^casablanca: 5 citations \(.*1 archived.*\) -> .*documents\/casablanca\.json\n$/);
    const record = await readRecord('casablanca');
    expect(JSON.parse(await readFile(join(work, 'casablanca.citations.json'), 'utf8'))).toEqual(record);
    expect(record.citations.find((citation) => citation.id === 'post:1729555061938819317')?.status).toBe('archived');
    expect((await readdir(join(work, 'data', 'warc'))).some((name) => /^citesnap-.*\.warc\.gz$/.test(name))).toBe(true);
  });

  it('prints one JSON record a line for several sources, and shows a record', async () => {
    const html = join(work, 'embed.html');
    await copyFile(EXAMPLE_HTML, html);
    const text = join(work, 'plain.txt');
    await writeFile(text, 'No citation here.');
    const result = await runCli(['archive', '--json', '--no-sidecar', html, text], { env });
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    const [first, second] = lines.map((line) => JSON.parse(line) as DocumentRecord);
    expect(first?.docId).toBe('embed');
    expect(first?.source.mediaType).toBe('text/html');
    expect(second).toMatchObject({ docId: 'plain', citations: [] });
    await expect(readFile(join(work, 'embed.citations.json'))).rejects.toThrow(/ENOENT/);

    const shown = await runCli(['show', 'plain'], { env });
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toEqual(second);
  });

  it('fetches an article by URL through the same guarded client', async () => {
    const result = await runCli(['archive', '--json', 'https://news.test/article'], { env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const record = JSON.parse(result.stdout) as DocumentRecord;
    expect(record).toMatchObject({
      docId: 'news.test-article',
      source: { uri: 'https://news.test/article', mediaType: 'text/html', title: 'An article' },
    });
    expect(record.citations.map((citation) => [citation.id, citation.status])).toEqual([
      ['post:1729555061938819317', 'archived'],
    ]);
  });

  it('reads standard input with a doc id', async () => {
    const result = await runCli(['archive', '-', '--doc-id', 'from-stdin', '--json'], {
      env,
      input: 'See https://x.com/DGSN_MAROC/status/1729555061938819317',
    });
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as DocumentRecord).citations[0]).toMatchObject({
      id: 'post:1729555061938819317',
      status: 'archived',
    });
  });

  it.each([
    [
      ['archive', '/nonexistent/article.txt'],
      /^citesnap: \/nonexistent\/article\.txt: no such file, expected a readable article file\n$/,
    ],
    [['archive', '.'], /^citesnap: \.: is a directory, expected an article file\n$/],
    [['archive', 'a.txt', 'b.txt', '--doc-id', 'x'], /^citesnap: archive: --doc-id goes with a single source only\n$/],
    [
      ['archive', 'a.txt', '--doc-id', '../x'],
      /^citesnap: --doc-id: invalid doc id "\.\.\/x": expected 1 to 200 characters/,
    ],
    [['archive', 'a.txt', '--doc-id', ''], /^citesnap: --doc-id: invalid doc id "": expected/],
    [
      ['archive', 'a.txt', '--doc-id', 'x'.repeat(300)],
      /^citesnap: --doc-id: invalid doc id "x{60}"… \(300 characters\): expected/,
    ],
    [['archive'], /^citesnap: archive: expected at least one source/],
    [['archive', '--frobnicate', 'a.txt'], /^citesnap: archive: Unknown option '--frobnicate'/],
    [
      ['archive', 'ftp://example.com/a'],
      /^citesnap: ftp:\/\/example\.com\/a: unsupported scheme, expected a file, - or an http\(s\) URL\n$/,
    ],
    [['show', 'never-archived'], /^citesnap: show: no record for doc id "never-archived" in .*\n$/],
    [['show', '../etc'], /^citesnap: show: invalid doc id/],
    [['recheck', '--doc-id', 'never-archived'], /^citesnap: recheck: no record for doc id "never-archived" in .*\n$/],
    [['frobnicate'], /^citesnap: unknown command "frobnicate"/],
  ])('refuses %j with one line and exit 2', async (args, message) => {
    const result = await runCli(args, { env, cwd: work });
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.code).toBe(2);
  });

  it('names a bad configuration variable and exits 2', async () => {
    const result = await runCli(['archive', 'x.txt'], { env: { ...env, CITESNAP_TIMEOUT_MS: 'soon' } });
    expect(result.stderr).toBe('citesnap: CITESNAP_TIMEOUT_MS: expected a whole number of at least 1, got "soon"\n');
    expect(result.code).toBe(2);
  });

  it('refuses binary garbage, and makes an empty record of an empty file', async () => {
    const garbage = join(work, 'garbage.txt');
    await writeFile(garbage, Buffer.from(Array.from({ length: 4096 }, (_, n) => (n * 7919) % 256)));
    const empty = join(work, 'empty.txt');
    await writeFile(empty, '');
    const result = await runCli(['archive', garbage, empty], { env });
    expect(result.stderr).toMatch(
      /^citesnap: .*garbage\.txt: looks like binary data, expected an HTML or plain-text article\n$/,
    );
    expect(result.code).toBe(2);
    // The bad source did not stop the good one.
    expect(await readRecord('empty')).toMatchObject({ docId: 'empty', source: { bytes: 0 }, citations: [] });
    await expect(readRecord('garbage')).rejects.toThrow(/ENOENT/);
  });

  it('handles 40,000 nested elements and a 50 MB text file', async () => {
    const nested = join(work, 'nested.html');
    await writeFile(
      nested,
      `<html><body>${'<div>'.repeat(40_000)}<a href="https://x.com/DGSN_MAROC/status/1729555061938819317">x</a>${'</div>'.repeat(40_000)}</body></html>`,
    );
    const big = join(work, 'big.txt');
    const paragraph = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit — pas de citation ici (@nobody).\n\n';
    await writeFile(
      big,
      `${paragraph.repeat(Math.ceil((50 * 1024 * 1024) / paragraph.length))}https://t.co/rdI6rg3QRE`,
    );
    // Past the default cap of 20 MiB: the operator raises it for such files.
    const result = await runCli(['archive', '--no-sidecar', nested, big], {
      env: { ...env, CITESNAP_MAX_SOURCE_BYTES: String(64 * 1024 * 1024) },
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect((await readRecord('nested')).citations.map((citation) => citation.id)).toEqual(['post:1729555061938819317']);
    expect((await readRecord('big')).citations.map((citation) => citation.id)).toEqual(['post:1729555061938819317']);
  }, 120_000);

  it('survives a reader that goes away: no stack trace, the record written', async () => {
    const article = join(work, 'pipe.txt');
    await copyFile(EXAMPLE, article);
    const child = spawn(process.execPath, [BIN, 'archive', '--json', '--no-sidecar', article, article], {
      env: { PATH: process.env.PATH ?? '', ...env, CITESNAP_DATA_DIR: join(work, 'pipe-data') },
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(await readFile(join(work, 'pipe-data', 'documents', 'pipe.json'), 'utf8'))).toMatchObject({
      docId: 'pipe',
    });
  });

  it('rechecks from the command line', async () => {
    await mkdir(join(work, 'data'), { recursive: true });
    const result = await runCli(['recheck', '--doc-id', 'casablanca', '--older-than', '0s'], { env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^casablanca: 5 citations .*\nrechecked \d+ citations in 1 document\n$/);
    const record = await readRecord('casablanca');
    expect(record.citations.find((citation) => citation.id === 'post:1729555061938819317')?.checks).toHaveLength(2);
  });

  it('rechecks every document citing a due target, going on past one that fails, and exits with the worst code', async () => {
    const recheckEnv = { ...env, CITESNAP_DATA_DIR: join(work, 'recheck-data') };
    const files = ['a-first', 'm-broken', 'z-last'].map((name) => join(work, `${name}.txt`));
    for (const file of files) await writeFile(file, 'See https://x.com/DGSN_MAROC/status/1729555061938819317');
    expect((await runCli(['archive', '--no-sidecar', ...files], { env: recheckEnv })).code).toBe(0);
    // The reverse index names it, but its record can no longer be read.
    await writeFile(join(work, 'recheck-data', 'documents', 'm-broken.json'), '{"docId": "m-broken",');
    const result = await runCli(['recheck', '--older-than', '0s'], { env: recheckEnv });
    expect(result.stderr).toMatch(/^citesnap: .*\/documents\/m-broken\.json: not a readable record \(.*JSON.*\)\n$/);
    expect(result.stdout).toMatch(
      /^a-first: 1 citation \(1 archived\) -> .*\nz-last: 1 citation \(1 archived\) -> .*\nrechecked 1 target: 2 citations in 2 documents\n$/,
    );
    expect(result.code).toBe(1);
  });

  it('says so when the sidecar cannot be written beside its source (exit 1), and keeps the record', async () => {
    const folder = join(work, 'shared-mount');
    await mkdir(folder);
    const article = join(folder, 'mounted.txt');
    await writeFile(article, 'No citation here.');
    // As a read-only folder would (root writes through chmod): a directory where the sidecar goes fails its rename.
    await mkdir(join(folder, 'mounted.citations.json'));
    const result = await runCli(['archive', article], { env });
    // A citesnap error with a code of its own: its message as it is, not an "internal error".
    expect(result.stderr).toMatch(/^citesnap: .*mounted\.citations\.json: cannot write the sidecar .*\n$/);
    expect(result.stderr).not.toContain('internal error');
    expect(result.code).toBe(1);
    expect(await readRecord('mounted')).toMatchObject({ docId: 'mounted', citations: [] });
  });

  it('dispatches the queue commands: schedules upserted, listed, removed; Redis down is exit 1', async () => {
    const queueEnv = { ...env, REDIS_URL: inject('redisUrl'), CITESNAP_QUEUE_PREFIX: `citesnap-cli-${randomUUID()}` };
    const upserted = await runCli(['schedule', '--recheck', '0 4 * * *'], { env: queueEnv });
    expect(upserted.stderr).toBe('');
    expect(upserted.stdout).toMatch(/^recheck 0 4 \* \* \* \d{4}-\d\d-\d\dT04:00:00\.000Z\n$/);
    expect((await runCli(['schedule', '--list'], { env: queueEnv })).stdout).toMatch(/^recheck 0 4 \* \* \* /m);
    expect((await runCli(['schedule', '--remove', 'recheck'], { env: queueEnv })).code).toBe(0);
    expect((await runCli(['schedule', '--list'], { env: queueEnv })).stdout).toBe('');

    const down = await runCli(['enqueue', 'https://news.test/article'], {
      env: { ...queueEnv, REDIS_URL: 'redis://127.0.0.1:1' },
    });
    expect(down.code).toBe(1);
    expect(down.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(down.stderr).toMatch(/^citesnap: .*redis:\/\/127\.0\.0\.1:1/);
    // Five CLI processes one after the other: on a loaded machine each start takes seconds.
  }, 120_000);

  // `script` (util-linux) gives the command a terminal, as a user at a shell has.
  it.skipIf(spawnSync('script', ['--version']).status !== 0)(
    'writes a progress line a source to stderr only when it is a terminal',
    async () => {
      const article = join(work, 'progress.txt');
      await writeFile(article, 'Nothing cited.');
      const envPrefix = Object.entries(env)
        .map(([name, value]) => `${name}='${value}'`)
        .join(' ');
      const onTerminal = spawnSync(
        'script',
        ['-qec', `${envPrefix} ${process.execPath} ${BIN} archive --no-sidecar ${article}`, '/dev/null'],
        { encoding: 'utf8' },
      );
      expect(onTerminal.stdout).toMatch(/^citesnap: \[1\/1\] .*progress\.txt\r?\n/);
      const piped = await runCli(['archive', '--no-sidecar', article], { env });
      expect(piped.stderr).toBe('');
    },
  );
});
