// `citesnap serve` with 500 documents (contract section 11: a page of 500 documents
// stays fast), on the data dir and on PostgreSQL. The example article is archived once
// with the built command against the fake upstreams; its record is then written under
// 500 doc ids (each processed at another time) through the data dir store, as archive
// writes them, and the same 501 records and the article's text through the PostgreSQL
// store into a database of the bench's own. The built command serves each in a process
// of its own (on PostgreSQL, from an empty data dir, the WARC files read from the
// first's `warc` folder); this script measures time to first byte (request sent ->
// response headers in) of `/` cold (the server's first look) and warm, of a later page
// of the list, and of one document's page, and the CPU time the server process (and,
// on PostgreSQL, the database's backends serving it) spent a request.
//
// Needs PostgreSQL (POSTGRES_TEST_URL, default postgres://postgres@127.0.0.1:5432).
//
//   npm run bench:serve -- [--documents N] [--requests N] [--bin PATH]
//
// --bin serves with another build of citesnap (its bin/citesnap.cjs, or bin/citesnap.js
// before the launcher was CommonJS), e.g. a version from before a change (`git archive
// <commit> | tar -x -C /tmp/base`, a node_modules link, `npx tsc -p tsconfig.build.json`
// there), against the same archive.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { DocumentRecord } from '../src/model/index.js';
import { openDataDirStore } from '../src/record/data-dir-store.js';
import { migrate } from '../src/store-pg/migrate.js';
import { openPostgresStore } from '../src/store-pg/postgres-store.js';
import { addExamplePosts } from '../test/support/example-posts.js';
import { FakeUpstream } from '../test/support/fake-upstream/index.js';
import { createTestDatabase } from '../test/support/postgres.js';
import { processCpuMs } from './support/cpu-time.js';

const { values } = parseArgs({
  options: {
    documents: { type: 'string', default: '500' },
    requests: { type: 'string', default: '50' },
    bin: { type: 'string', default: 'bin/citesnap.cjs' },
  },
});
const DOCUMENTS = Number(values.documents);
const REQUESTS = Number(values.requests);
const BIN = values.bin;

if (!existsSync('dist/cli/main.js')) throw new Error('run `npm run build` first: the bench runs the built command');

interface Row {
  page: string;
  samples: number[];
  /** CPU ms a request: the server process's, and the database backends' (PostgreSQL only). */
  serverCpuMs: number;
  databaseCpuMs: number | undefined;
}

const work = await mkdtemp(join(tmpdir(), 'citesnap-bench-serve-'));
const dataDir = join(work, 'data');
const database = await createTestDatabase('bench_serve');
const results: { store: string; coldMs: number; rows: Row[] }[] = [];
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
  const postgres = openPostgresStore({ url: database.url });
  try {
    await migrate(postgres.database);
    const text = await store.sources?.read(example.source.sha256);
    if (text !== undefined) await postgres.sources?.keep(example.source.sha256, text);
    await postgres.documents.write(example);
    const started = Date.parse(example.processedAt);
    for (let index = 0; index < DOCUMENTS; index++) {
      const record = {
        ...example,
        docId: `article-${String(index).padStart(4, '0')}`,
        processedAt: new Date(started - index * 60_000).toISOString(),
      };
      await store.documents.write(record);
      await postgres.documents.write(record);
    }
    await postgres.database.query('ANALYZE documents');
  } finally {
    await postgres.close();
  }

  results.push(await measure('data dir', ['--data-dir', dataDir], {}));
  results.push(
    await measure('PostgreSQL', ['--data-dir', join(work, 'empty')], {
      CITESNAP_DATABASE_URL: database.url,
      CITESNAP_WARC_STORE: join(dataDir, 'warc'),
    }),
  );

  console.log(`citesnap serve over ${DOCUMENTS + 1} documents, ${REQUESTS} requests a row (one at a time)`);
  for (const result of results) {
    console.log(`\n${result.store}`);
    console.log('page                         median ms    p95 ms    max ms  server CPU ms/req  database CPU ms/req');
    console.log(`${'/ (cold: first request)'.padEnd(27)}${result.coldMs.toFixed(1).padStart(11)}`);
    for (const row of result.rows) {
      console.log(
        row.page.padEnd(27) +
          quantile(row.samples, 0.5).toFixed(1).padStart(11) +
          quantile(row.samples, 0.95).toFixed(1).padStart(10) +
          Math.max(...row.samples)
            .toFixed(1)
            .padStart(10) +
          row.serverCpuMs.toFixed(2).padStart(19) +
          (row.databaseCpuMs === undefined ? '' : row.databaseCpuMs.toFixed(2).padStart(21)),
      );
    }
  }
  console.log(
    JSON.stringify({
      documents: DOCUMENTS + 1,
      stores: results.map((result) => ({
        store: result.store,
        coldMs: result.coldMs,
        rows: result.rows.map((row) => ({
          page: row.page,
          medianMs: quantile(row.samples, 0.5),
          p95Ms: quantile(row.samples, 0.95),
          serverCpuMs: row.serverCpuMs,
          databaseCpuMs: row.databaseCpuMs,
        })),
      })),
    }),
  );
} finally {
  await rm(work, { recursive: true, force: true });
  await database.drop();
}

/** Starts `citesnap serve` with `args` and `env`, times its pages, and stops it. */
async function measure(
  storeName: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ store: string; coldMs: number; rows: Row[] }> {
  const server = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let backends: BackendCpu | undefined;
  try {
    const url = await listening(server);
    if (env.CITESNAP_DATABASE_URL !== undefined) backends = await openBackendCpu(database.url, database.name);
    const cold = await timeToFirstByte(url);
    const rows: Row[] = [];
    for (const [page, target] of [
      ['/ (warm)', url],
      ['/?page=10', `${url}?page=10`],
      ['/documents/article-0250', `${url}documents/article-0250`],
    ] as const) {
      const serverBefore = processCpuMs(server.pid ?? 0);
      const databaseBefore = await backends?.sample();
      const samples = await repeat(target);
      const serverCpuMs = (processCpuMs(server.pid ?? 0) - serverBefore) / REQUESTS;
      const databaseCpuMs =
        backends === undefined || databaseBefore === undefined
          ? undefined
          : backendCpuSpent(databaseBefore, await backends.sample()) / REQUESTS;
      rows.push({ page, samples, serverCpuMs, databaseCpuMs });
    }
    return { store: storeName, coldMs: cold, rows };
  } finally {
    await backends?.close();
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
}

/** The CPU time of the PostgreSQL backends connected to one database (the server's pool), read from /proc. */
interface BackendCpu {
  /** CPU ms so far of each backend of the database but the sampler's own, by pid. */
  sample(): Promise<Map<number, number>>;
  close(): Promise<void>;
}

async function openBackendCpu(url: string, databaseName: string): Promise<BackendCpu> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    sample: async () => {
      const { rows } = await client.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [databaseName],
      );
      const cpu = new Map<number, number>();
      for (const { pid } of rows) {
        try {
          cpu.set(pid, processCpuMs(pid));
        } catch {
          // A backend that ended between the query and the read.
        }
      }
      return cpu;
    },
    close: () => client.end(),
  };
}

/** CPU ms spent between two samples (a backend that started in between counts from zero). */
function backendCpuSpent(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

function listening(server: ChildProcess): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let stdout = '';
    server.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = /citesnap serve: (http:\/\/\S+\/) /.exec(stdout);
      if (match?.[1]) resolve(match[1]);
    });
    server.once('exit', (exitCode) => reject(new Error(`citesnap serve exited ${exitCode}`)));
  });
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
