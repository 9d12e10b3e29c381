import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { addExamplePosts } from './example-posts.js';
import { FakeUpstream } from './fake-upstream/index.js';
import { BIN, runCli } from './run-cli.js';

// A data dir with the example article archived against the fake upstreams (as a user
// would, with the built CLI), beside a small hostile article whose post's text and
// author name hold markup, served by `citesnap serve` in a process of its own: what
// the serve tests (HTTP and browser) look at. With a database, the same archive is
// made in PostgreSQL and a WARC store folder of its own instead, and served as from
// another machine: a process whose data dir is not the one the archive ran with.

export const EXAMPLE_DOC_ID = 'casablanca';
export const HOSTILE_DOC_ID = 'hostile';
export const HOSTILE_POST_ID = '1730000000000000777';
/** The hostile post's text: a script, an image whose error handler would run, and an entity. */
export const HOSTILE_TEXT =
  '<script>document.title="pwned";window.pwned=1</script><img src=x onerror="window.pwned=2"> &amp; more';
export const HOSTILE_NAME = '<b onmouseover="window.pwned=3">Mallory</b>';

export interface ServedArchive {
  work: string;
  /** The data dir of the server; with a database, an empty one that the archive never used. */
  dataDir: string;
  /** The environment the archive was made with and the server runs with (besides the data dir and the upstreams). */
  storeEnv: Record<string, string>;
  /** http://127.0.0.1:<port>/ */
  url: string;
  server: ChildProcess;
  upstream: FakeUpstream;
  /** Stops the server (SIGTERM) and returns its exit code; then the upstream and the work folder go. */
  close(): Promise<number | null>;
}

export interface ServedArchiveOptions {
  /**
   * CITESNAP_DATABASE_URL of an empty database: `archive` migrates it and keeps the
   * records there and its WARC files in `<work>/warc-store`; its data dir is then
   * removed, and the server runs on another, empty one, with the database and the WARC
   * store. Default: everything in one data dir.
   */
  databaseUrl?: string;
}

export async function startServedArchive(options: ServedArchiveOptions = {}): Promise<ServedArchive> {
  const upstream = await FakeUpstream.start();
  addExamplePosts(upstream);
  upstream.addPost({ id: HOSTILE_POST_ID, handle: 'mallory', name: HOSTILE_NAME, text: HOSTILE_TEXT });
  const work = await mkdtemp(join(tmpdir(), 'citesnap-serve-'));
  const archiveDataDir = join(work, 'data');
  const storeEnv: Record<string, string> =
    options.databaseUrl === undefined
      ? {}
      : { CITESNAP_DATABASE_URL: options.databaseUrl, CITESNAP_WARC_STORE: join(work, 'warc-store') };
  const env = { ...upstream.env, ...storeEnv, CITESNAP_DATA_DIR: archiveDataDir };
  const example = join(work, `${EXAMPLE_DOC_ID}.html`);
  await copyFile(new URL('../../examples/casablanca-extortion-2023-11.html', import.meta.url), example);
  const hostile = join(work, `${HOSTILE_DOC_ID}.html`);
  await writeFile(
    hostile,
    `<html><head><title>A &lt;hostile&gt; article</title></head><body>
<p>It said <a href="https://twitter.com/mallory/status/${HOSTILE_POST_ID}">this</a>.</p></body></html>`,
  );
  // The hostile one second, so it is the newest.
  for (const source of [example, hostile]) {
    const archived = await runCli(['archive', source], { env });
    expect(archived.code, archived.stderr).toBe(0);
  }
  let dataDir = archiveDataDir;
  if (options.databaseUrl !== undefined) {
    // Nothing the server shows may come from the archiving process's own files.
    await rm(archiveDataDir, { recursive: true, force: true });
    dataDir = join(work, 'server-data');
  }

  const server = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data-dir', dataDir], {
    env: { PATH: process.env.PATH ?? '', ...storeEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  server.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    server.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = /citesnap serve: (http:\/\/\S+\/) /.exec(stdout);
      if (match?.[1]) resolve(match[1]);
    });
    server.once('exit', (code) => reject(new Error(`citesnap serve exited ${code}: ${stderr}`)));
  });
  return {
    work,
    dataDir,
    storeEnv,
    url,
    server,
    upstream,
    close: async () => {
      const exited = new Promise<number | null>((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      const code = await exited;
      await upstream.close();
      await rm(work, { recursive: true, force: true });
      return code;
    },
  };
}
