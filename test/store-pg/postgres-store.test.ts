import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Citation } from '../../src/model/index.js';
import type { Store } from '../../src/ports.js';
import { migrate, readMigrations } from '../../src/store-pg/migrate.js';
import { LIST_NEWEST_FIRST, openPostgresStore, type PostgresStore } from '../../src/store-pg/postgres-store.js';
import { planRecheckRun, targetsOfRun, type RecheckRun } from '../../src/pipeline/recheck-targets.js';
import { dueAt, WIDENING } from '../../src/targets/recheck-schedule.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { link, post, record, storeContract } from '../record/store-contract.js';

// The PostgreSQL store against the real server on 127.0.0.1:5432, in a database of this file's own.
let database: TestDatabase;
const opened: Store[] = [];

beforeAll(async () => {
  database = await createTestDatabase('store');
  const store = openPostgresStore({ url: database.url });
  await migrate(store.database);
  await store.close();
});
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});
afterAll(async () => {
  await database.drop();
});

/** A store on this file's database, emptied first. */
async function openEmpty(options: Parameters<typeof openPostgresStore>[0] extends infer O ? Partial<O> : never = {}) {
  const store = openPostgresStore({ url: database.url, ...options });
  opened.push(store);
  await store.database.query(
    'TRUNCATE documents, citing, target_states, status_changes, targets, check_journals, claims, source_texts',
  );
  return store;
}

storeContract('PostgreSQL', (options = {}) => openEmpty(options));

describe('the PostgreSQL store', () => {
  it('writes a record and everything derived from it in one statement', async () => {
    const store = await openEmpty();
    const before = store.database.queryCount();
    await store.documents.write(record('a', [post('1', [['2026-11-01T00:00:00.000Z', 'archived']])]));
    expect(store.database.queryCount() - before).toBe(1);
  });

  it('lists a page of documents in one query off the newest-first index, reading no record', async () => {
    const store = await openEmpty();
    for (let n = 0; n < 20; n++)
      await store.documents.write({
        ...record(`d${n}`),
        processedAt: `2026-11-29T10:${String(n).padStart(2, '0')}:00.000Z`,
      });
    const before = store.database.queryCount();
    const page = await store.documents.listNewestFirst({ offset: 5, limit: 5 });
    expect(store.database.queryCount() - before).toBe(1);
    expect(page.documents.map((summary) => summary.docId)).toEqual(['d14', 'd13', 'd12', 'd11', 'd10']);
    // A table this small is cheapest to scan; with scans priced out, the plan shows the index it has.
    const plan = await store.database.transaction(async (client) => {
      await client.query('SET LOCAL enable_seqscan = off');
      return client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${LIST_NEWEST_FIRST}`, [5, 5]);
    });
    const text = plan.map((row) => row['QUERY PLAN']).join('\n');
    expect(text).toMatch(/Index Scan using documents_newest_first/);
    expect(text).not.toMatch(/Sort/);
  });

  it('plans a recheck run from indexed columns with the same plan as from the target states', async () => {
    const store = await openEmpty();
    const day = 86_400_000;
    const now = Date.parse('2026-11-30T00:00:00.000Z');
    const at = (daysAgo: number) => new Date(now - daysAgo * day).toISOString();
    // Histories across every step of the widening schedule, a changed status, and failures.
    const histories: [string, ['archived' | 'deleted' | 'failed', number][]][] = [
      ['fresh', [['archived', 0.5]]],
      ['day-old', [['archived', 1]]],
      [
        'young',
        [
          ['archived', 10],
          ['archived', 7],
          ['archived', 4],
        ],
      ],
      [
        'weekly',
        [
          ['archived', 40],
          ['archived', 8],
        ],
      ],
      [
        'weekly-not-yet',
        [
          ['archived', 40],
          ['archived', 2],
        ],
      ],
      [
        'monthly',
        [
          ['archived', 200],
          ['archived', 31],
        ],
      ],
      [
        'old',
        [
          ['archived', 500],
          ['archived', 91],
        ],
      ],
      [
        'old-not-yet',
        [
          ['archived', 500],
          ['archived', 60],
        ],
      ],
      [
        'changed',
        [
          ['archived', 30],
          ['deleted', 1],
        ],
      ],
      ['failing', [['failed', 3]]],
    ];
    let n = 0;
    for (const [name, checks] of histories) {
      n += 1;
      const citations = [
        post(
          String(n),
          checks.map(([status, daysAgo]) => [at(daysAgo), status]),
        ),
        link(
          `https://example.com/${name}`,
          checks.map(([status, daysAgo]) => [at(daysAgo), status]),
        ),
      ];
      await store.documents.write(record(`doc-${name}`, citations));
      // A second document citing the same post: one target, two documents.
      if (n % 3 === 0) await store.documents.write(record(`also-${name}`, [citations[0]!]));
    }
    // Posts known only from an article, still unidentified: due like any target (looked up again).
    for (const [name, daysAgo] of [
      ['unidentified-due', 6],
      ['unidentified-not-yet', 0.5],
    ] as const) {
      const embed: Citation = {
        id: `embed:${name}`,
        type: 'post',
        status: 'unidentified',
        occurrences: [{ form: 'attribution', raw: name, offset: 0, context: '' }],
        post: { platform: 'twitter', media: [], links: [], embed: { handle: 'a', date: '2024-03-05' } },
        checks: [{ at: at(daysAgo), status: 'unidentified' }],
      };
      await store.documents.write(record(`doc-${name}`, [embed]));
    }
    const runs: [RecheckRun, number][] = [
      [{ kind: 'recheck', schedule: WIDENING }, now],
      [{ kind: 'recheck', schedule: { kind: 'fixed', olderThanMs: 5 * day } }, now],
      [{ kind: 'retry-failed' }, now],
    ];
    for (const [run, plannedAt] of runs) {
      const fromStates = targetsOfRun(await store.citing.targetStates(), run, plannedAt).sort();
      const plan = await planRecheckRun(store, run, plannedAt);
      expect(plan.targets).toEqual(fromStates);
      expect(plan.targets).toContain('embed:unidentified-due');
      expect(plan.targets.length).toBeGreaterThan(0);
      // Every document citing a due target, with exactly its due targets.
      for (const key of fromStates)
        for (const docId of await store.citing.documentsCiting(key))
          expect(plan.documents.find((due) => due.docId === docId)?.targets).toContain(key);
    }
  });

  it('keeps widening_due_at in step with the schedule in src/targets/recheck-schedule.ts', async () => {
    const store = await openEmpty();
    const day = 86_400_000;
    const cases: [number, number, boolean][] = [];
    for (const age of [0, 1, 2.9, 3, 5, 13.9, 14, 30, 59.9, 60, 100, 364.9, 365, 1000])
      for (const changed of [false, true]) cases.push([1_700_000_000_000, 1_700_000_000_000 + age * day, changed]);
    for (const [index, [first, last, changed]] of cases.entries())
      await store.database.query(
        'INSERT INTO target_states (target_key, first_checked_at, last_checked_at, status, changed_at_last_check) VALUES ($1, $2, $3, $4, $5)',
        [`post:${index}`, first, Math.round(last), 'archived', changed],
      );
    const rows = await store.database.query<{ target_key: string; widening_due_at: string }>(
      'SELECT target_key, widening_due_at FROM target_states',
    );
    for (const row of rows) {
      const [first, last, changed] = cases[Number(row.target_key.slice('post:'.length))]!;
      expect(Number(row.widening_due_at)).toBe(
        dueAt({ firstCheckedAt: first, lastCheckedAt: Math.round(last), changedAtLastCheck: changed }, WIDENING),
      );
    }
  });

  it('imports a record unless the database holds a newer one', async () => {
    const store: PostgresStore = await openEmpty();
    const older = record('a', [], 'older');
    const newer = { ...record('a', [], 'newer'), processedAt: '2026-11-30T00:00:00.000Z' };
    expect(await store.importRecord(older)).toBe(true);
    expect(await store.importRecord(older)).toBe(false);
    await store.documents.write(newer);
    expect(await store.importRecord(older)).toBe(false);
    expect((await store.documents.read('a'))?.source.uri).toBe('file:///newer');
  });
});

describe('claims in the database', () => {
  it('lets one holder at a time have a key, and the next one in once it is released', async () => {
    const first = await openEmpty();
    const second = await openEmpty();
    const order: string[] = [];
    const releaseFirst = await first.claims.acquire('post:1');
    const waiting = second.claims.acquire('post:1').then((release) => {
      order.push('second');
      return release;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    order.push('first done');
    await releaseFirst();
    const releaseSecond = await waiting;
    expect(order).toEqual(['first done', 'second']);
    await releaseSecond();
    expect(await first.database.query('SELECT * FROM claims')).toEqual([]);
  });

  it('hands the claims of a holder that died to another once their lease ran out', async () => {
    const dead = openPostgresStore({ url: database.url, claimLeaseMs: 300 });
    opened.push(dead);
    await dead.database.query('TRUNCATE claims');
    await dead.claims.acquire('document:a');
    dead.claims.abandon(); // no renewal, no release: as after SIGKILL
    const other = openPostgresStore({ url: database.url });
    opened.push(other);
    const release = await other.claims.acquire('document:a');
    const [row] = await other.database.query<{ holder: string }>('SELECT holder FROM claims');
    expect(row?.holder).toBe(other.claims.holder);
    await release();
  });

  it('keeps a claim past its lease while its holder lives', async () => {
    const holder = openPostgresStore({ url: database.url, claimLeaseMs: 300 });
    opened.push(holder);
    await holder.database.query('TRUNCATE claims');
    const release = await holder.claims.acquire('post:2');
    await new Promise((resolve) => setTimeout(resolve, 900));
    const other = openPostgresStore({ url: database.url });
    opened.push(other);
    const taken = await Promise.race([
      other.claims.acquire('post:2').then(() => 'taken'),
      new Promise((resolve) => setTimeout(() => resolve('still held'), 500)),
    ]);
    expect(taken).toBe('still held');
    await release();
    await other.claims.close();
  });
});

describe('migrate', () => {
  it('is idempotent and safe when several connections run it at once', async () => {
    const fresh = await createTestDatabase('migrate');
    const stores = Array.from({ length: 4 }, () => openPostgresStore({ url: fresh.url }));
    try {
      const results = await Promise.all(stores.map((store) => migrate(store.database)));
      const shipped = await readMigrations();
      expect(shipped.map((migration) => migration.name).slice(0, 3)).toEqual([
        '0001_store.sql',
        '0002_source_texts.sql',
        '0003_document_list.sql',
      ]);
      // Each applied once, by one of them.
      expect(results.flatMap((result) => result.applied)).toEqual(shipped.map((migration) => migration.name));
      expect(new Set(results.map((result) => result.version))).toEqual(new Set([shipped.length]));
      expect((await migrate(stores[0]!.database)).applied).toEqual([]);
    } finally {
      for (const store of stores) await store.close();
      await fresh.drop();
    }
  });
});
