// `citesnap serve` with 500 documents (contract section 11: a page of 500 documents
// stays fast). The example article is archived once with the built command against
// the fake upstreams; its record is then written under 500 doc ids (each processed at
// another time) through the data dir store, as archive writes them. The built command
// serves the data dir in a process of its own; this script measures time to first
// byte (request sent -> response headers in) of `/` cold (the server's first look at
// every record) and warm, of a later page of the list, and of one document's page.
//
//   npm run bench:serve -- [--documents N] [--requests N]
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { DocumentRecord } from '../src/model/index.js';
import { openDataDirStore } from '../src/record/data-dir-store.js';
import { addExamplePosts } from '../test/support/example-posts.js';
import { FakeUpstream } from '../test/support/fake-upstream/index.js';

const { values } = parseArgs({
  options: { documents: { type: 'string', default: '500' }, requests: { type: 'string', default: '50' } },
});
const DOCUMENTS = Number(values.documents);
const REQUESTS = Number(values.requests);
const BIN = 'bin/citesnap.js';

if (!existsSync('dist/cli/main.js')) throw new Error('run `npm run build` first: the bench runs the built command');

const work = await mkdtemp(join(tmpdir(), 'citesnap-bench-serve-'));
const dataDir = join(work, 'data');
try {
  const upstream = await FakeUpstream.start();
  try {
    addExamplePosts(upstream);
    const article = join(work, 'example.html');
    await copyFile('examples/casablanca-extortion-2023-11.html', article);
    const code = await run(['archive', '--no-sidecar', article], { ...upstream.env, CITESNAP_DATA_DIR: dataDir });
    if (code !== 0) throw new Error(`citesnap archive exited ${code}`);
  } finally {
    await upstream.close();
  }
  const example = JSON.parse(await readFile(join(dataDir, 'documents', 'example.json'), 'utf8')) as DocumentRecord;
  const store = openDataDirStore({ dataDir });
  const started = Date.parse(example.processedAt);
  for (let index = 0; index < DOCUMENTS; index++) {
    await store.documents.write({
      ...example,
      docId: `article-${String(index).padStart(4, '0')}`,
      processedAt: new Date(started - index * 60_000).toISOString(),
    });
  }

  const server = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data-dir', dataDir], {
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      server.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        const match = /citesnap serve: (http:\/\/\S+\/) /.exec(stdout);
        if (match?.[1]) resolve(match[1]);
      });
      server.once('exit', (exitCode) => reject(new Error(`citesnap serve exited ${exitCode}`)));
    });
    const cold = await timeToFirstByte(url);
    const rows: [string, number[]][] = [
      ['/ (warm)', await repeat(url)],
      ['/?page=10', await repeat(`${url}?page=10`)],
      ['/documents/article-0250', await repeat(`${url}documents/article-0250`)],
    ];
    console.log(`citesnap serve over ${DOCUMENTS + 1} documents, ${REQUESTS} requests a row (one at a time)\n`);
    console.log('page                         median ms    p95 ms    max ms');
    console.log(`${'/ (cold: first request)'.padEnd(27)}${cold.toFixed(1).padStart(11)}`);
    for (const [page, samples] of rows) {
      console.log(
        `${page.padEnd(27)}${quantile(samples, 0.5).toFixed(1).padStart(11)}${quantile(samples, 0.95).toFixed(1).padStart(10)}${Math.max(
          ...samples,
        )
          .toFixed(1)
          .padStart(10)}`,
      );
    }
    console.log(
      JSON.stringify({
        documents: DOCUMENTS + 1,
        coldMs: cold,
        rows: rows.map(([page, samples]) => ({
          page,
          medianMs: quantile(samples, 0.5),
          p95Ms: quantile(samples, 0.95),
        })),
      }),
    );
  } finally {
    server.kill('SIGTERM');
  }
} finally {
  await rm(work, { recursive: true, force: true });
}

async function repeat(url: string): Promise<number[]> {
  const samples: number[] = [];
  for (let index = 0; index < REQUESTS; index++) samples.push(await timeToFirstByte(url));
  return samples;
}

/** Milliseconds from sending the request to the response's headers; the body is read to the end before the next. */
function timeToFirstByte(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const sent = performance.now();
    const pending = request(url, { agent: false }, (response) => {
      const firstByte = performance.now() - sent;
      if (response.statusCode !== 200) reject(new Error(`${url}: ${response.statusCode}`));
      response.resume();
      response.once('end', () => resolve(firstByte));
    });
    pending.once('error', reject);
    pending.end();
  });
}

function quantile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

function run(args: readonly string[], env: Record<string, string>): Promise<number | null> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return new Promise((resolve) => child.once('exit', resolve));
}
