import { mkdirSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { IndexDamagedError, messageOf } from '../errors.js';
import type { Citation, DocumentRecord, Status } from '../model/index.js';
import type { StatusChange, TargetState } from '../ports.js';

/**
 * The data dir's index, one SQLite database at `<dataDir>/index.sqlite`: the target
 * index (each target's newest check, what reuse reads), the reverse index (target ->
 * documents citing it, contract section 10), each target's schedule state and the
 * status-change log.
 *
 * Why SQLite (better-sqlite3) rather than a file a target or an append-only log a
 * process: at 64 requests in flight, creating and renaming one small file a target
 * cost one process more CPU than TLS, HTTP and HTML together; a log a process would
 * need every reader to tail every other process's log and a compaction of its own.
 * SQLite in WAL mode is one file that several processes on one machine read and
 * write safely, an upsert costs microseconds, and the reverse index, the schedule
 * and the change log need queries (by target, by due time, by time) it answers from
 * B-trees. It is not for several machines: SQLite locking is not safe on a network
 * file system, and the contract (section 12) sends several machines to PostgreSQL.
 *
 * The records stay JSON files (contract section 7) and are the truth: everything in
 * the reverse index, the schedule state and the change log is derived from them, and
 * `citesnap reindex` rebuilds it. The target index is a cache of requests saved.
 */

export interface IndexedOutcome {
  key: string;
  checkedAt: string;
  outcome: unknown;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS target_outcomes (
  key TEXT PRIMARY KEY,
  checked_at TEXT NOT NULL,
  outcome TEXT NOT NULL
) WITHOUT ROWID;
-- gen grows on every write that asserts the row: a stale row is removed only when
-- it still has the gen seen before the record was read (see removeStale).
CREATE TABLE IF NOT EXISTS citing (
  target TEXT NOT NULL,
  doc_id TEXT NOT NULL,
  gen INTEGER NOT NULL,
  PRIMARY KEY (target, doc_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS citing_by_document ON citing (doc_id);
CREATE TABLE IF NOT EXISTS target_states (
  key TEXT PRIMARY KEY,
  first_checked_at INTEGER,
  last_checked_at INTEGER,
  status TEXT NOT NULL,
  changed INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS status_changes (
  at TEXT NOT NULL,
  doc_id TEXT NOT NULL,
  citation_id TEXT NOT NULL,
  url TEXT NOT NULL,
  from_status TEXT NOT NULL,
  to_status TEXT NOT NULL,
  PRIMARY KEY (doc_id, citation_id, at)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS status_changes_by_time ON status_changes (at);
`;

type StateRow = { first_checked_at: number | null; last_checked_at: number | null; status: string; changed: number };

/** Every statement, prepared once: compiling SQL on each call cost more than running it. */
function prepareStatements(db: Database.Database) {
  return {
    markBuilt: db.prepare<[string, string]>('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value'),
    readMeta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE name = ?'),
    getOutcome: db.prepare<[string], { checked_at: string; outcome: string }>('SELECT checked_at, outcome FROM target_outcomes WHERE key = ?'),
    putOutcome: db.prepare<[string, string, string]>(
      'INSERT INTO target_outcomes (key, checked_at, outcome) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET checked_at = excluded.checked_at, outcome = excluded.outcome',
    ),
    assertCiting: db.prepare<[string, string]>('INSERT INTO citing (target, doc_id, gen) VALUES (?, ?, 0) ON CONFLICT (target, doc_id) DO UPDATE SET gen = gen + 1'),
    documentsCiting: db.prepare<[string], { doc_id: string }>('SELECT doc_id FROM citing WHERE target = ? ORDER BY doc_id'),
    citedBy: db.prepare<[string], { target: string; gen: number }>('SELECT target, gen FROM citing WHERE doc_id = ?'),
    removeCiting: db.prepare<[string, string, number]>('DELETE FROM citing WHERE target = ? AND doc_id = ? AND gen = ?'),
    readState: db.prepare<[string], StateRow>('SELECT first_checked_at, last_checked_at, status, changed FROM target_states WHERE key = ?'),
    writeState: db.prepare<[string, number | null, number | null, string, number]>(
      'INSERT INTO target_states (key, first_checked_at, last_checked_at, status, changed) VALUES (?, ?, ?, ?, ?) ' +
        'ON CONFLICT (key) DO UPDATE SET first_checked_at = excluded.first_checked_at, last_checked_at = excluded.last_checked_at, status = excluded.status, changed = excluded.changed',
    ),
    targetStates: db.prepare<[], StateRow & { key: string }>(
      'SELECT key, first_checked_at, last_checked_at, status, changed FROM target_states WHERE EXISTS (SELECT 1 FROM citing WHERE citing.target = target_states.key) ORDER BY key',
    ),
    logChange: db.prepare<[string, string, string, string, string, string]>(
      'INSERT OR IGNORE INTO status_changes (at, doc_id, citation_id, url, from_status, to_status) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    changesSince: db.prepare<[string], ChangeRow>('SELECT * FROM status_changes WHERE at >= ? ORDER BY at, doc_id, citation_id'),
    changesSinceTo: db.prepare<[string, string], ChangeRow>('SELECT * FROM status_changes WHERE at >= ? AND to_status = ? ORDER BY at, doc_id, citation_id'),
  };
}

/** Set once the reverse index holds every record; absent in a new or damaged database. */
const BUILT = 'reverse-index-built';

export class IndexDatabase {
  readonly path: string;
  readonly #db: Database.Database;
  readonly #sql: ReturnType<typeof prepareStatements>;

  constructor(options: { dataDir: string }) {
    mkdirSync(options.dataDir, { recursive: true });
    this.path = join(options.dataDir, 'index.sqlite');
    this.#db = openDatabase(this.path);
    this.#sql = prepareStatements(this.#db);
    // A new index on a data dir without records has nothing to build from: it is complete.
    if (!this.isBuilt() && !hasRecords(join(options.dataDir, 'documents'))) this.#markBuilt();
  }

  #markBuilt(): void {
    this.#sql.markBuilt.run(BUILT, new Date().toISOString());
  }

  close(): void {
    this.#db.close();
  }

  // --- the target index -------------------------------------------------------

  getOutcome(key: string): IndexedOutcome | undefined {
    const row = this.#sql.getOutcome.get(key);
    if (row === undefined) return undefined;
    let outcome: unknown;
    try {
      outcome = JSON.parse(row.outcome);
    } catch {
      return undefined; // a damaged entry is a miss, replaced by the next put
    }
    return { key, checkedAt: row.checked_at, outcome };
  }

  putOutcome(entry: IndexedOutcome): void {
    this.#sql.putOutcome.run(entry.key, entry.checkedAt, JSON.stringify(entry.outcome));
  }

  // --- the reverse index, schedule state and change log -----------------------

  /**
   * Before a record is written: every target it cites is marked as cited by it, so a
   * process that dies between this and the record's rename leaves the index saying
   * too much (a reader checks the record), never too little.
   */
  noteCitations(record: DocumentRecord): void {
    // Most writes (a recheck, a run again) cite what the index has already: no write then.
    const present = new Set(this.#sql.citedBy.all(record.docId).map((row) => row.target));
    const missing = [...new Set(record.citations.map(reverseIndexKey))].filter((key) => !present.has(key));
    if (missing.length > 0) this.#db.transaction(() => this.#assertCiting(record.docId, missing)).immediate();
  }

  /**
   * After a record was written: asserts its targets again (a concurrent writer of the
   * same document may have dropped one meanwhile), merges its checks into the targets'
   * schedule state and appends its status changes. Returns the changes that were new.
   * `current` reads the record as it is on disk now, for removing targets the document
   * no longer cites.
   */
  recordWritten(record: DocumentRecord, current: () => DocumentRecord | undefined): StatusChange[] {
    const keys = [...new Set(record.citations.map(reverseIndexKey))];
    const cited = new Set(keys);
    const { added, stale } = this.#db.transaction(() => {
      // Raising the gen after the rename is what keeps a concurrent remover off these rows (see #removeStale).
      this.#assertCiting(record.docId, keys);
      return { added: this.#deriveFromRecord(record), stale: this.#sql.citedBy.all(record.docId).filter((row) => !cited.has(row.target)) };
    }).immediate();
    if (stale.length > 0) this.#removeStale(record.docId, stale, current);
    return added;
  }

  /** The documents the reverse index says cite `key`. It may name one that no longer does: read the record. */
  documentsCiting(key: string): string[] {
    return this.#sql.documentsCiting.all(key).map((row) => row.doc_id);
  }

  /** Every target cited by at least one document, with its schedule state. */
  *targetStates(): Generator<TargetState> {
    const rows = this.#sql.targetStates.iterate();
    for (const row of rows) {
      yield {
        key: row.key,
        firstCheckedAt: row.first_checked_at ?? undefined,
        lastCheckedAt: row.last_checked_at ?? undefined,
        status: statusOf(row.status),
        changedAtLastCheck: row.changed === 1,
      };
    }
  }

  /** Status changes at or after `since` (ISO), oldest first, optionally only those to `status`. */
  statusChanges(options: { since: string; status?: Status }): StatusChange[] {
    const rows = options.status === undefined ? this.#sql.changesSince.all(options.since) : this.#sql.changesSinceTo.all(options.since, options.status);
    return rows.map((row) => ({ at: row.at, docId: row.doc_id, citationId: row.citation_id, url: row.url, from: statusOf(row.from_status), to: statusOf(row.to_status) }));
  }

  /** Throws INDEX_DAMAGED when SQLite finds the database damaged. */
  checkIntegrity(): void {
    let verdict: unknown;
    try {
      verdict = this.#db.pragma('quick_check', { simple: true });
    } catch (error) {
      throw damaged(this.path, error);
    }
    if (verdict !== 'ok') throw damaged(this.path, new Error(String(verdict)));
  }

  /** True once the reverse index has been built from every record (a new database has not). */
  isBuilt(): boolean {
    return this.#sql.readMeta.get(BUILT) !== undefined;
  }

  /**
   * Rebuilds the reverse index, schedule state and change log from the records, which
   * `records` yields one at a time. Records written meanwhile by other processes assert
   * their own rows, so nothing they add is lost.
   */
  async rebuild(records: AsyncIterable<DocumentRecord>): Promise<{ documents: number; targets: number; changes: number }> {
    this.#db.transaction(() => {
      this.#db.exec('DELETE FROM citing; DELETE FROM target_states; DELETE FROM status_changes;');
      this.#db.prepare('DELETE FROM meta WHERE name = ?').run(BUILT);
    }).immediate();
    let documents = 0;
    for await (const record of records) {
      documents += 1;
      const keys = [...new Set(record.citations.map(reverseIndexKey))];
      this.#db.transaction(() => {
        this.#assertCiting(record.docId, keys);
        this.#deriveFromRecord(record);
      }).immediate();
    }
    this.#markBuilt();
    const count = (sql: string): number => this.#db.prepare<[], { n: number }>(sql).get()?.n ?? 0;
    return { documents, targets: count('SELECT count(DISTINCT target) AS n FROM citing'), changes: count('SELECT count(*) AS n FROM status_changes') };
  }

  #assertCiting(docId: string, keys: readonly string[]): void {
    for (const key of keys) this.#sql.assertCiting.run(key, docId);
  }

  /** Merges a record's checks into its targets' state and logs its status changes; returns the new changes. */
  #deriveFromRecord(record: DocumentRecord): StatusChange[] {
    const { readState, writeState, logChange } = this.#sql;
    const added: StatusChange[] = [];
    for (const citation of record.citations) {
      const key = reverseIndexKey(citation);
      const mine = stateOfCitation(citation);
      const stored = readState.get(key);
      const merged = stored === undefined ? mine : mergeStates(mine, stored);
      writeState.run(key, merged.first ?? null, merged.last ?? null, merged.status, merged.changed ? 1 : 0);
      const url = citationUrl(citation);
      for (let i = 1; i < citation.checks.length; i++) {
        const before = citation.checks[i - 1];
        const check = citation.checks[i];
        if (before === undefined || check === undefined || before.status === check.status) continue;
        const result = logChange.run(check.at, record.docId, citation.id, url, before.status, check.status);
        if (result.changes > 0) added.push({ at: check.at, docId: record.docId, citationId: citation.id, url, from: before.status, to: check.status });
      }
    }
    return added;
  }

  /**
   * Drops the rows of targets this document no longer cites (`stale`, with the gens
   * read before the record on disk is read here). A concurrent writer of the same
   * document whose record cites one again raises its gen after its rename: either its
   * record was on disk before the read below (and the row is kept), or its raise comes
   * after the gens were read (and the delete, which needs the old gen, does nothing, or
   * comes first and the raise inserts the row again).
   */
  #removeStale(docId: string, stale: readonly { target: string; gen: number }[], current: () => DocumentRecord | undefined): void {
    const onDisk = current();
    const stillCited = new Set(onDisk?.citations.map(reverseIndexKey) ?? []);
    const remove = this.#sql.removeCiting;
    this.#db.transaction(() => {
      for (const row of stale) if (!stillCited.has(row.target)) remove.run(row.target, docId, row.gen);
    }).immediate();
  }
}

type ChangeRow = { at: string; doc_id: string; citation_id: string; url: string; from_status: string; to_status: string };

/**
 * What the reverse index keys a citation by: the target a recheck asks about
 * (`post:<id>`, `link:<url>`, as the target index keys them), or, for a post known
 * only from the article, its own id (retried by identifying it again).
 */
export function reverseIndexKey(citation: Citation): string {
  if (citation.type === 'post') return citation.post?.id === undefined ? citation.id : `post:${citation.post.id}`;
  return citation.link === undefined ? citation.id : `link:${citation.link.url}`;
}

/** The URL a status change names: the post's canonical URL or the cited link. */
export function citationUrl(citation: Citation): string {
  if (citation.post?.url !== undefined) return citation.post.url;
  if (citation.link !== undefined) return citation.link.url;
  return citation.post?.id === undefined ? '' : `https://x.com/i/status/${citation.post.id}`;
}

interface MergedState {
  first: number | undefined;
  last: number | undefined;
  status: Status;
  changed: boolean;
}

function stateOfCitation(citation: Citation): MergedState {
  const times = citation.checks.map((check) => Date.parse(check.at)).filter((time) => Number.isFinite(time));
  const last = citation.checks.at(-1);
  const beforeLast = citation.checks.at(-2);
  return {
    first: times.length === 0 ? undefined : Math.min(...times),
    last: times.length === 0 ? undefined : Math.max(...times),
    status: citation.status,
    changed: last !== undefined && beforeLast !== undefined && last.status !== beforeLast.status,
  };
}

/** One target cited by several documents: the earliest first check, the newest check's status. */
function mergeStates(mine: MergedState, stored: { first_checked_at: number | null; last_checked_at: number | null; status: string; changed: number }): MergedState {
  const storedLast = stored.last_checked_at ?? undefined;
  const firsts = [mine.first, stored.first_checked_at ?? undefined].filter((time) => time !== undefined);
  const mineIsNewer = storedLast === undefined || (mine.last !== undefined && mine.last >= storedLast);
  return {
    first: firsts.length === 0 ? undefined : Math.min(...firsts),
    last: mineIsNewer ? mine.last : storedLast,
    status: mineIsNewer ? mine.status : statusOf(stored.status),
    changed: mineIsNewer ? mine.changed : stored.changed === 1,
  };
}

const STATUSES: readonly Status[] = ['archived', 'deleted', 'suspended', 'protected', 'unavailable', 'unidentified', 'dead', 'blocked', 'failed'];

/** A status read back from the database; only statuses are ever written there. */
function statusOf(value: string): Status {
  return STATUSES.find((status) => status === value) ?? 'failed';
}

function openDatabase(path: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { timeout: 10_000 });
    db.pragma('journal_mode = WAL');
    // The records are the truth and the index can be rebuilt from them: no fsync a commit.
    db.pragma('synchronous = NORMAL');
    db.exec(SCHEMA);
    return db;
  } catch (error) {
    db?.close();
    throw isDamaged(error) ? damaged(path, error) : error;
  }
}

function hasRecords(directory: string): boolean {
  try {
    return readdirSync(directory).some((name) => name.endsWith('.json'));
  } catch {
    return false; // no documents folder yet
  }
}

/** Moves a damaged database aside (kept for a look) so that a new one can be built. */
export function setAsideDamaged(path: string): string {
  const aside = `${path}.damaged-${Date.now()}`;
  renameSync(path, aside);
  for (const suffix of ['-wal', '-shm']) {
    try {
      renameSync(`${path}${suffix}`, `${aside}${suffix}`);
    } catch {
      // absent: nothing to move
    }
  }
  return aside;
}

function damaged(path: string, error: unknown): IndexDamagedError {
  return new IndexDamagedError(`${path}: the index database is damaged (${messageOf(error)}); run 'citesnap reindex' to rebuild it from the records`, { cause: error });
}

function isDamaged(error: unknown): boolean {
  const code = error instanceof Error && 'code' in error ? error.code : undefined;
  return code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB';
}
