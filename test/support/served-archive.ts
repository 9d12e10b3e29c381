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
// the serve tests (HTTP and browser) look at.

export const EXAMPLE_DOC_ID = 'casablanca';
export const HOSTILE_DOC_ID = 'hostile';
export const HOSTILE_POST_ID = '1730000000000000777';
/** The hostile post's text: a script, an image whose error handler would run, and an entity. */
export const HOSTILE_TEXT =
  '<script>document.title="pwned";window.pwned=1</script><img src=x onerror="window.pwned=2"> &amp; more';
export const HOSTILE_NAME = '<b onmouseover="window.pwned=3">Mallory</b>';

export interface ServedArchive {
  work: string;
  dataDir: string;
  /** http://127.0.0.1:<port>/ */
  url: string;
  server: ChildProcess;
  upstream: FakeUpstream;
  /** Stops the server (SIGTERM) and returns its exit code; then the upstream and the work folder go. */
  close(): Promise<number | null>;
}

export async function startServedArchive(): Promise<ServedArchive> {
  const upstream = await FakeUpstream.start();
  addExamplePosts(upstream);
  upstream.addPost({ id: HOSTILE_POST_ID, handle: 'mallory', name: HOSTILE_NAME, text: HOSTILE_TEXT });
  const work = await mkdtemp(join(tmpdir(), 'citesnap-serve-'));
  const dataDir = join(work, 'data');
  const env = { ...upstream.env, CITESNAP_DATA_DIR: dataDir };
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

  const server = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data-dir', dataDir], {
    env: { PATH: process.env.PATH ?? '' },
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
