// The data dir against PostgreSQL on the same work (issue 13, contract section 12):
//
// 1. archive: N articles (10 citations each, one post cited by all; bench/support's
//    corpus) archived in this process with CITESNAP_DOCUMENT_CONCURRENCY documents at
//    once against the fake upstream, once on each store;
// 2. recheck plan: a recheck run planned over C citations (D documents, targets shared
//    between documents, histories across the widening schedule), planned on each store;
// 3. changes: `changes --since 7d` over that archive (status changes spread over 30 days).
//
// Prints wall times and, for PostgreSQL, the queries sent (each statement one round trip).
// Needs PostgreSQL (POSTGRES_TEST_URL, default postgres://postgres@127.0.0.1:5432); a
// database of its own is created and dropped.
//
//   npm run bench:store -- [--documents 1000] [--citations 100000] [--latency-ms 5]
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import type { Citation, DocumentRecord, Status } from '../src/model/index.js';
import { archiveDocument, openPipeline, planRecheckRun } from '../src/pipeline/index.js';
import type { Store } from '../src/ports.js';
import { openDataDirStore } from '../src/record/data-dir-store.js';
import { loadSource } from '../src/source.js';
import { migrate } from '../src/store-pg/migrate.js';
import { openPostgresStore, type PostgresStore } from '../src/store-pg/postgres-store.js';
import { WIDENING } from '../src/targets/recheck-schedule.js';
import { createTestDatabase } from '../test/support/postgres.js';
import { buildCorpus, startFakeUpstream } from './support/capture-corpus.js';

const { values } = parseArgs({
  options: {
    documents: { type: 'string', default: '1000' },
    citations: { type: 'string', default: '100000' },
    'latency-ms': { type: 'string', default: '5' },
    skip: { type: 'string', default: '' },
  },
});
const DOCUMENTS = Number(values.documents);
const CITATIONS = Number(values.citations);
const LATENCY_MS = Number(values['latency-ms']);
const SKIP = new Set(values.skip.split(',').filter(Boolean));
const DOCUMENT_CONCURRENCY = 8;
const DAY = 86_400_000;

const work = await mkdtemp(join(tmpdir(), 'citesnap-bench-store-'));
const database = await createTestDatabase('bench');
const lines: string[] = [];
try {
  {
    const admin = openPostgresStore({ url: database.url });
    await migrate(admin.database);
    await admin.close();
  }
  if (!SKIP.has('archive')) {
    for (const kind of ['data dir', 'PostgreSQL'] as const) {
      // A corpus of its own for each store, so that nothing is reused from the run before.
      const result = await archiveRun(kind, kind === 'data dir' ? 1 : 2);
      lines.push(
        `archive ${DOCUMENTS} documents, ${kind.padEnd(10)}: ${result.seconds.toFixed(1)} s` +
          (result.queries === undefined
            ? ''
            : `, ${result.queries} queries (${(result.queries / DOCUMENTS).toFixed(1)} a document)`),
      );
    }
  }
  const documents = Math.ceil(CITATIONS / 20);
  for (const kind of ['data dir', 'PostgreSQL'] as const) {
    const store: Store =
      kind === 'data dir'
        ? openDataDirStore({ dataDir: join(work, 'plan-data') })
        : openPostgresStore({ url: database.url });
    try {
      const seeded = performance.now();
      await seed(store, documents);
      const seedSeconds = (performance.now() - seeded) / 1000;
      const now = Date.parse('2026-11-30T00:00:00.000Z');
      const before = queriesOf(store);
      let started = performance.now();
      const plan = await planRecheckRun(store, { kind: 'recheck', schedule: WIDENING }, now);
      const planSeconds = (performance.now() - started) / 1000;
      const planQueries = queriesOf(store) - before;
      started = performance.now();
      const changes = await store.changes.list({ since: new Date(now - 7 * DAY).toISOString() });
      const changesSeconds = (performance.now() - started) / 1000;
      const changesQueries = queriesOf(store) - before - planQueries;
      lines.push(
        `recheck plan over ${documents * 20} citations (${documents} documents), ${kind.padEnd(10)}: ${(planSeconds * 1000).toFixed(0)} ms, ${plan.targets.length} due targets in ${plan.documents.length} documents` +
          (kind === 'PostgreSQL' ? `, ${planQueries} quer${planQueries === 1 ? 'y' : 'ies'}` : '') +
          ` (seeding took ${seedSeconds.toFixed(1)} s)`,
        `changes over a week, ${kind.padEnd(10)}: ${(changesSeconds * 1000).toFixed(0)} ms, ${changes.length} changes` +
          (kind === 'PostgreSQL' ? `, ${changesQueries} quer${changesQueries === 1 ? 'y' : 'ies'}` : ''),
      );
    } finally {
      await store.close();
    }
  }
} finally {
  await rm(work, { recursive: true, force: true });
  await database.drop();
}
console.log(
  `citesnap stores: the data dir and PostgreSQL on the same work (${LATENCY_MS} ms a response, ${DOCUMENT_CONCURRENCY} documents at once)\n`,
);
for (const line of lines) console.log(line);

function queriesOf(store: Store): number {
  return 'database' in store ? (store as PostgresStore).database.queryCount() : 0;
}

/** Archives the corpus in this process on one store; the queries PostgreSQL was sent. */
async function archiveRun(
  kind: 'data dir' | 'PostgreSQL',
  tag: number,
): Promise<{ seconds: number; queries: number | undefined }> {
  const corpus = buildCorpus(DOCUMENTS, tag);
  const scenarioPath = join(work, `scenario-${tag}.json`);
  await writeFile(scenarioPath, JSON.stringify(corpus.scenario));
  const upstream = await startFakeUpstream(scenarioPath, LATENCY_MS);
  const config = loadConfig({
    CITESNAP_DATA_DIR: join(work, `archive-${tag}`),
    CITESNAP_CONNECT_TO: upstream.routes,
    CITESNAP_HOST_CONCURRENCY: '8',
    ...(kind === 'PostgreSQL' ? { CITESNAP_DATABASE_URL: database.url } : {}),
  });
  const pipeline = openPipeline(config);
  try {
    const started = performance.now();
    let next = 0;
    const lane = async () => {
      while (next < corpus.documents.length) {
        const index = next++;
        const source = await loadSource(
          { path: await articleFile(index, corpus.documents[index] ?? '') },
          {
            fetchArticle: pipeline.fetchArticle,
            maxBytes: config.maxSourceBytes,
          },
        );
        await archiveDocument({ docId: `bench-${tag}-${index}`, source, sidecar: false }, pipeline.ports);
      }
    };
    await Promise.all(Array.from({ length: DOCUMENT_CONCURRENCY }, lane));
    const seconds = (performance.now() - started) / 1000;
    const { store } = pipeline.ports;
    return { seconds, queries: kind === 'PostgreSQL' ? queriesOf(store) : undefined };
  } finally {
    await pipeline.close();
    await upstream.stop();
  }

  async function articleFile(index: number, html: string): Promise<string> {
    const path = join(work, `article-${tag}-${index}.html`);
    await writeFile(path, html);
    return path;
  }
}

/**
 * `documents` records of 20 citations each, written as the pipeline would: each cites
 * 20 of `documents * 5` posts (so a post is cited by about 4 documents), first checked
 * 0 to 400 days ago, checked along the widening schedule since, some deleted in the
 * last 30 days.
 */
async function seed(store: Store, documents: number): Promise<void> {
  const posts = documents * 5;
  const now = Date.parse('2026-11-30T00:00:00.000Z');
  const historyOf = (post: number): [string, Status][] => {
    const firstDaysAgo = (post * 7919) % 400;
    const checks: [string, Status][] = [];
    for (let age = 0; age <= firstDaysAgo; age += age < 3 ? 1 : age < 14 ? 3 : age < 60 ? 7 : age < 365 ? 30 : 90)
      checks.push([new Date(now - (firstDaysAgo - age) * DAY - 3_600_000).toISOString(), 'archived']);
    // One post in ten was deleted at its last check, within the last 30 days.
    if (post % 10 === 0) checks.push([new Date(now - ((post * 31) % 30) * DAY).toISOString(), 'deleted']);
    return checks;
  };
  const citation = (post: number): Citation => {
    const id = String(1729000000000000000n + BigInt(post));
    const checks = historyOf(post);
    return {
      id: `post:${id}`,
      type: 'post',
      status: checks.at(-1)?.[1] ?? 'archived',
      occurrences: [{ form: 'post-url', raw: `https://x.com/a/status/${id}`, offset: 0, context: '' }],
      post: { platform: 'twitter', id, url: `https://x.com/a/status/${id}`, handle: 'a', media: [], links: [] },
      checks: checks.map(([at, status]) => ({ at, status })),
    };
  };
  let next = 0;
  const lane = async () => {
    while (next < documents) {
      const d = next++;
      const record: DocumentRecord = {
        schemaVersion: 1,
        docId: `doc-${String(d).padStart(6, '0')}`,
        source: { uri: `file:///doc-${d}`, mediaType: 'text/html', sha256: 'ab'.repeat(32), bytes: 1 },
        processedAt: new Date(now).toISOString(),
        citations: Array.from({ length: 20 }, (_, n) => citation((d * 20 + n * 7) % posts)).filter(
          (item, index, all) => all.findIndex((other) => other.id === item.id) === index,
        ),
      };
      await store.documents.write(record);
    }
  };
  await Promise.all(Array.from({ length: 16 }, lane));
}
