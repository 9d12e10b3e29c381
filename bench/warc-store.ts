// `citesnap archive` into each WARC store (contract section 12): the real command on
// 60 articles (10 citations each) against the fake upstream (50 ms a response), once
// into the data dir's warc folder (the default) and once into an S3 prefix on a local
// S3-compatible server (s3rver, in this process). Prints the wall time and what the
// store holds after: the number of WARC files and their sizes. An S3 store closes a
// file when a record waits on it, so it holds many small files; the folder, one.
//
//   npm run bench:warc-store -- [--documents N] [--latency-ms N]
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { openWarcStore } from '../src/warc-store/index.js';
import { startLocalS3 } from '../test/support/s3-server.js';
import { buildCorpus, startFakeUpstream } from './support/capture-corpus.js';

const { values } = parseArgs({
  options: { documents: { type: 'string', default: '60' }, 'latency-ms': { type: 'string', default: '50' } },
});
const DOCUMENTS = Number(values.documents);
const LATENCY_MS = Number(values['latency-ms']);
const BIN = 'bin/citesnap.cjs';

if (!existsSync('dist/cli/main.js')) throw new Error('run `npm run build` first: the bench runs the built command');

const work = await mkdtemp(join(tmpdir(), 'citesnap-bench-warc-store-'));
const s3 = await startLocalS3(['bench']);
const results: { store: string; seconds: number; files: number; bytes: number; largest: number }[] = [];
try {
  for (const [index, store] of ['folder', 's3://bench/warc'].entries()) {
    const corpus = buildCorpus(DOCUMENTS, index);
    const scenarioPath = join(work, `scenario-${index}.json`);
    await writeFile(scenarioPath, JSON.stringify(corpus.scenario));
    const upstream = await startFakeUpstream(scenarioPath, LATENCY_MS);
    const dataDir = join(work, `data-${index}`);
    const storeEnv: Record<string, string> = store === 'folder' ? {} : { CITESNAP_WARC_STORE: store, ...s3.env };
    try {
      const files: string[] = [];
      for (const [documentIndex, html] of corpus.documents.entries()) {
        const file = join(work, `run-${index}-article-${documentIndex}.html`);
        await writeFile(file, html);
        files.push(file);
      }
      const started = performance.now();
      const code = await run(['archive', '--no-sidecar', ...files], {
        CITESNAP_DATA_DIR: dataDir,
        CITESNAP_CONNECT_TO: upstream.routes,
        NODE_EXTRA_CA_CERTS: 'test/support/tls/ca.pem',
        ...storeEnv,
      });
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0) throw new Error(`citesnap archive exited ${code}`);
      const warcStore = openWarcStore(loadConfig({ CITESNAP_DATA_DIR: dataDir, ...storeEnv }).warcStore);
      const sizes: number[] = [];
      for (const name of await warcStore.list()) {
        let size = 0;
        for await (const chunk of warcStore.readAll(name)) size += chunk.byteLength;
        sizes.push(size);
      }
      await warcStore.close();
      results.push({
        store: store === 'folder' ? 'folder (default)' : store,
        seconds,
        files: sizes.length,
        bytes: sizes.reduce((sum, size) => sum + size, 0),
        largest: Math.max(0, ...sizes),
      });
      // The outbox is empty once the command has exited: every file went up.
      const left = await readdir(join(dataDir, 'warc-outbox')).catch(() => []);
      if (left.length > 0) throw new Error(`${left.length} files left in the outbox`);
    } finally {
      await upstream.stop();
    }
  }
} finally {
  await s3.close();
  await rm(work, { recursive: true, force: true });
}

console.log(
  `citesnap archive of ${DOCUMENTS} articles (10 citations each), ${LATENCY_MS} ms a response; load average ${os.loadavg()[0]!.toFixed(1)}\n`,
);
console.log('store                 wall s  WARC files  total KiB  mean KiB  largest KiB');
for (const result of results) {
  console.log(
    `${result.store.padEnd(20)}${result.seconds.toFixed(2).padStart(8)}${String(result.files).padStart(12)}` +
      `${(result.bytes / 1024).toFixed(0).padStart(11)}${(result.bytes / 1024 / Math.max(1, result.files)).toFixed(1).padStart(10)}` +
      `${(result.largest / 1024).toFixed(0).padStart(13)}`,
  );
}
console.log(JSON.stringify({ documents: DOCUMENTS, latencyMs: LATENCY_MS, results }));

function run(args: readonly string[], env: Record<string, string>): Promise<number | null> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return new Promise((resolve) => child.once('exit', resolve));
}
