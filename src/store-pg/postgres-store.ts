import { RecordUnreadableError } from '../errors.js';
import {
  isDocumentRecord,
  recordProblem,
  validateDocId,
  type CheckJournalEntry,
  type DocumentRecord,
  type TargetIndexEntry,
} from '../model/index.js';
import type {
  CheckJournals,
  CitingIndex,
  DocumentRecords,
  DocumentSummary,
  DocumentSummaryPage,
  DuePlan,
  DueSelection,
  ReindexResult,
  StatusChange,
  StatusChangeListener,
  StatusChangeLog,
  Store,
  TargetIndex,
  TargetState,
} from '../ports.js';
import {
  keysOf,
  mergeStates,
  reverseIndexKey,
  stateOfCitation,
  statusChangesOf,
  statusOf,
} from '../record/data-dir-index.js';
import { Database, type Client } from './database.js';
import { PostgresClaims } from './postgres-claims.js';

export interface PostgresStoreOptions {
  /** CITESNAP_DATABASE_URL. */
  url: string;
  /** Told of the status changes each written record brings. */
  onStatusChanges?: StatusChangeListener;
  /** Lease of a claim (see PostgresClaims). */
  claimLeaseMs?: number;
}

/** The PostgreSQL store, with what `import`, `migrate` and bench/store need besides the port. */
export interface PostgresStore extends Store {
  readonly database: Database;
  readonly claims: PostgresClaims;
  /** Writes a record unless the database holds one processed at the same time or later; true when written. */
  importRecord(record: DocumentRecord): Promise<boolean>;
  /** Puts a target index entry unless the database holds one checked at the same time or later; true when put. */
  importTarget(entry: TargetIndexEntry): Promise<boolean>;
}

/**
 * The store in PostgreSQL (contract section 12; schema in migrations/): every facet of
 * the Store port in tables that any number of processes on any number of machines
 * share. Writing a record is one statement: the record, its reverse-index rows, the
 * merged states of its targets and its new status changes, all or nothing; so the
 * reverse index names exactly the documents that cite a target. Opening the store
 * connects nothing: the first query does (and loads `pg`).
 */
export function openPostgresStore(options: PostgresStoreOptions): PostgresStore {
  const database = new Database({ url: options.url });
  const claims = new PostgresClaims({
    database,
    ...(options.claimLeaseMs === undefined ? {} : { leaseMs: options.claimLeaseMs }),
  });
  const documents = new PostgresDocuments(database, options.onStatusChanges);
  const citing: CitingIndex = {
    documentsCiting: async (targetKey) =>
      (
        await database.query<{ doc_id: string }>(
          'SELECT doc_id FROM citing WHERE target_key = $1 ORDER BY doc_id COLLATE "C"',
          [targetKey],
        )
      ).map((row) => row.doc_id),
    targetStates: async () =>
      (
        await database.query<StateRow>(
          `SELECT ${STATE_COLUMNS} FROM target_states t
           WHERE EXISTS (SELECT 1 FROM citing c WHERE c.target_key = t.target_key)
           ORDER BY t.target_key COLLATE "C"`,
        )
      ).map(stateOfRow),
    rebuild: () => documents.rebuild(),
    planDue: (selection) => planDue(database, selection),
  };
  const changes: StatusChangeLog = {
    list: async ({ since, status }) => {
      const rows = await database.query<ChangeRow>(
        `SELECT at_text, doc_id, citation_id, url, from_status, to_status FROM status_changes
         WHERE at >= $1::timestamptz AND ($2::text IS NULL OR to_status = $2)
         ORDER BY at, doc_id COLLATE "C", citation_id COLLATE "C"`,
        [since, status ?? null],
      );
      return rows.flatMap((row) => changeOfRow(row) ?? []);
    },
  };
  const readAhead = new JournalReadAhead();
  const targets = new PostgresTargets(database, readAhead);
  return {
    database,
    claims,
    documents,
    targets,
    journals: new PostgresJournals(database, readAhead),
    sources: {
      keep: async (sha256, text) => {
        await database.query('INSERT INTO source_texts (sha256, text) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
          sha256,
          text,
        ]);
      },
      read: async (sha256) =>
        (await database.query<{ text: string }>('SELECT text FROM source_texts WHERE sha256 = $1', [sha256]))[0]?.text,
    },
    citing,
    changes,
    importRecord: (record) => documents.writeRecord(record, { unlessNewer: true }),
    importTarget: (entry) => targets.write(entry, { unlessNewer: true }),
    close: async () => {
      await claims.close();
      await database.close();
    },
  };
}

type StateRow = {
  target_key: string;
  first_checked_at: string | null;
  last_checked_at: string | null;
  status: string;
  changed_at_last_check: boolean;
};

const STATE_COLUMNS = 't.target_key, t.first_checked_at, t.last_checked_at, t.status, t.changed_at_last_check';

function stateOfRow(row: StateRow): TargetState {
  return {
    key: row.target_key,
    // bigint arrives as a string (it may not fit a double); ms since the epoch do.
    firstCheckedAt: row.first_checked_at === null ? undefined : Number(row.first_checked_at),
    lastCheckedAt: row.last_checked_at === null ? undefined : Number(row.last_checked_at),
    status: statusOf(row.status) ?? 'failed',
    changedAtLastCheck: row.changed_at_last_check,
  };
}

type ChangeRow = {
  at_text: string;
  doc_id: string;
  citation_id: string;
  url: string;
  from_status: string;
  to_status: string;
};

function changeOfRow(row: ChangeRow): StatusChange | undefined {
  const from = statusOf(row.from_status);
  const to = statusOf(row.to_status);
  if (from === undefined || to === undefined) return undefined;
  return { at: row.at_text, docId: row.doc_id, citationId: row.citation_id, url: row.url, from, to };
}

/**
 * A page of the document list (`$1` rows from `$2`) as one statement: read off the
 * `documents_newest_first` index, each row's summary from the columns migration 0003
 * generates from the record (no record's json is read), and the count of all, joined to
 * one row so that a page past the end still brings the count. A row whose record has no
 * source URI (edited by hand) is left out.
 */
export const LIST_NEWEST_FIRST = `
  SELECT (SELECT count(*) FROM documents WHERE source_uri IS NOT NULL) AS total, page.*
  FROM (SELECT 1) AS one LEFT JOIN (
    SELECT doc_id, title, source_uri, processed_at_text, status_counts FROM documents
    WHERE source_uri IS NOT NULL
    ORDER BY processed_at DESC, doc_id COLLATE "C"
    LIMIT $1 OFFSET $2
  ) AS page ON true`;

type SummaryRow = {
  doc_id: string;
  title: string | null;
  source_uri: string;
  processed_at_text: string | null;
  status_counts: Partial<Record<string, number>>;
};

function summaryOfRow(row: SummaryRow): DocumentSummary {
  const statusCounts: DocumentSummary['statusCounts'] = {};
  for (const [name, count] of Object.entries(row.status_counts)) {
    const status = statusOf(name);
    if (status !== undefined && count !== undefined) statusCounts[status] = count;
  }
  return {
    docId: row.doc_id,
    title: row.title ?? undefined,
    sourceUri: row.source_uri,
    processedAt: row.processed_at_text ?? '',
    statusCounts,
  };
}

/** An incoming state is the newer one (mergeStates in record/data-dir-index.ts, in SQL). */
const NEWER =
  '(t.last_checked_at IS NULL OR (EXCLUDED.last_checked_at IS NOT NULL AND EXCLUDED.last_checked_at >= t.last_checked_at))';

/**
 * What writing a record derives, as one statement's CTEs: the reverse-index rows of
 * the targets it cites (and none of those it no longer cites), its targets' states
 * merged with what other documents' checks say (the earliest first check; the newest
 * check's time, status and change), and its status changes, each logged once (the
 * ones this write adds come back). `$1` is the doc id, `$2` … `$12` the arrays of
 * derivedParameters. Target states go in key order, so writers of documents citing the
 * same targets lock their rows in one order. Each part runs only where `gate` holds.
 */
function derivedCtes(gate: string): string {
  return `
  dropped AS (
    DELETE FROM citing WHERE ${gate} AND doc_id = $1::text AND NOT (target_key = ANY($2::text[]))
  ),
  cited AS (
    INSERT INTO citing (target_key, doc_id) SELECT key, $1::text FROM unnest($2::text[]) AS key WHERE ${gate}
    ON CONFLICT DO NOTHING
  ),
  states AS (
    INSERT INTO target_states AS t (target_key, first_checked_at, last_checked_at, status, changed_at_last_check)
    SELECT * FROM unnest($3::text[], $4::bigint[], $5::bigint[], $6::text[], $7::boolean[]) WHERE ${gate}
    ON CONFLICT (target_key) DO UPDATE SET
      first_checked_at = LEAST(t.first_checked_at, EXCLUDED.first_checked_at),
      last_checked_at = CASE WHEN ${NEWER} THEN EXCLUDED.last_checked_at ELSE t.last_checked_at END,
      status = CASE WHEN ${NEWER} THEN EXCLUDED.status ELSE t.status END,
      changed_at_last_check = CASE WHEN ${NEWER} THEN EXCLUDED.changed_at_last_check ELSE t.changed_at_last_check END
    WHERE t.first_checked_at IS DISTINCT FROM LEAST(t.first_checked_at, EXCLUDED.first_checked_at)
       OR (${NEWER} AND (t.last_checked_at, t.status, t.changed_at_last_check)
           IS DISTINCT FROM (EXCLUDED.last_checked_at, EXCLUDED.status, EXCLUDED.changed_at_last_check))
  ),
  changes AS (
    INSERT INTO status_changes (doc_id, citation_id, at, at_text, url, from_status, to_status)
    SELECT $1::text, citation_id, at_text::timestamptz, at_text, url, from_status, to_status
    FROM unnest($8::text[], $9::text[], $10::text[], $11::text[], $12::text[])
      AS c (citation_id, at_text, url, from_status, to_status)
    WHERE ${gate}
    ON CONFLICT DO NOTHING
    RETURNING at_text, doc_id, citation_id, url, from_status, to_status
  )`;
}

/**
 * A record and what it derives. `$13` the record's text, `$14` its processedAt, `$15`
 * true to keep a record processed at the same time or later (import): then nothing
 * derived is written either. One row back at least: `written` and the new changes.
 */
const WRITE_RECORD = `
  WITH doc AS (
    INSERT INTO documents AS d (doc_id, record, processed_at) VALUES ($1::text, $13::json, $14::timestamptz)
    ON CONFLICT (doc_id) DO UPDATE SET record = EXCLUDED.record, processed_at = EXCLUDED.processed_at, written_at = now()
    WHERE NOT $15::boolean OR d.processed_at < EXCLUDED.processed_at
    RETURNING doc_id
  ),${derivedCtes('EXISTS (SELECT 1 FROM doc)')}
  SELECT (SELECT count(*) FROM doc) AS written, changes.* FROM (SELECT 1) AS one LEFT JOIN changes ON true`;

/** What a record derives, for a rebuild from the records already stored. */
const WRITE_DERIVED = `WITH ${derivedCtes('true').trimStart()} SELECT * FROM changes`;

/** The parameters `$2` … `$12` of a record's derived rows. */
function derivedParameters(record: DocumentRecord): unknown[] {
  const states = new Map<string, TargetState>();
  for (const citation of record.citations) {
    const key = reverseIndexKey(citation);
    const mine = stateOfCitation(key, citation);
    const stored = states.get(key);
    states.set(key, stored === undefined ? mine : mergeStates(mine, stored));
  }
  const ordered = [...states.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const changes = record.citations.flatMap((citation) => statusChangesOf(record.docId, citation));
  return [
    keysOf(record),
    ordered.map((state) => state.key),
    ordered.map((state) => state.firstCheckedAt ?? null),
    ordered.map((state) => state.lastCheckedAt ?? null),
    ordered.map((state) => state.status),
    ordered.map((state) => state.changedAtLastCheck),
    changes.map((change) => change.citationId),
    changes.map((change) => change.at),
    changes.map((change) => change.url),
    changes.map((change) => change.from),
    changes.map((change) => change.to),
  ];
}

/** PostgreSQL aborts one of two transactions that wait on each other; the statement is then simply run again. */
async function retryingConflicts<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
      if (attempt >= 5 || (code !== '40P01' && code !== '40001')) throw error;
    }
  }
}

class PostgresDocuments implements DocumentRecords {
  constructor(
    private readonly database: Database,
    private readonly onStatusChanges: StatusChangeListener | undefined,
  ) {}

  locationOf(docId: string): string {
    return `${this.database.redactedUrl()} (documents: ${validateDocId(docId)})`;
  }

  location(): string {
    return `${this.database.redactedUrl()} (documents)`;
  }

  async read(docId: string): Promise<DocumentRecord | undefined> {
    validateDocId(docId);
    const [row] = await this.database.query<{ record: unknown }>('SELECT record FROM documents WHERE doc_id = $1', [
      docId,
    ]);
    if (row === undefined) return undefined;
    if (!isDocumentRecord(row.record)) {
      const problem = recordProblem(row.record);
      const field = problem?.field ? `${problem.field}: ` : '';
      throw new RecordUnreadableError(
        `${this.locationOf(docId)}: not a readable record (${field}expected ${problem?.expected ?? 'a record'})`,
      );
    }
    return row.record;
  }

  async write(record: DocumentRecord): Promise<void> {
    await this.writeRecord(record);
  }

  /** One statement: the record and everything derived from it (see derivedCtes); true when written. */
  async writeRecord(record: DocumentRecord, options: { unlessNewer?: boolean } = {}): Promise<boolean> {
    validateDocId(record.docId);
    const rows = await retryingConflicts(() =>
      this.database.query<Partial<ChangeRow> & { written: string }>(WRITE_RECORD, [
        record.docId,
        ...derivedParameters(record),
        JSON.stringify(record, null, 2),
        record.processedAt,
        options.unlessNewer === true,
      ]),
    );
    const written = rows[0]?.written === '1';
    const changes = rows.flatMap((row) =>
      row.at_text === undefined || row.at_text === null ? [] : (changeOfRow(row as ChangeRow) ?? []),
    );
    if (changes.length > 0) this.onStatusChanges?.(changes);
    return written;
  }

  async list(): Promise<string[]> {
    return (
      await this.database.query<{ doc_id: string }>('SELECT doc_id FROM documents ORDER BY doc_id COLLATE "C"')
    ).map((row) => row.doc_id);
  }

  async listNewestFirst({ offset, limit }: { offset: number; limit: number }): Promise<DocumentSummaryPage> {
    const rows = await this.database.query<Partial<SummaryRow> & { total: string }>(LIST_NEWEST_FIRST, [limit, offset]);
    return {
      documents: rows.flatMap((row) =>
        row.doc_id === undefined || row.doc_id === null ? [] : summaryOfRow(row as SummaryRow),
      ),
      total: Number(rows[0]?.total ?? 0),
    };
  }

  /** Makes the reverse index, the target states and the change log again from the records, in one transaction. */
  async rebuild(): Promise<ReindexResult> {
    return this.database.transaction(async (client) => {
      await client.query('DELETE FROM citing; DELETE FROM target_states; DELETE FROM status_changes');
      let documents = 0;
      let changes = 0;
      let after = '';
      for (;;) {
        const batch = await client.query<{ doc_id: string; record: unknown }>(
          'SELECT doc_id, record FROM documents WHERE doc_id COLLATE "C" > $1 ORDER BY doc_id COLLATE "C" LIMIT 200',
          [after],
        );
        if (batch.length === 0) break;
        for (const row of batch) {
          after = row.doc_id;
          // A record damaged by hand is reported by show and recheck; it must not stop the rest.
          if (!isDocumentRecord(row.record)) continue;
          documents += 1;
          changes += (await this.#writeDerived(client, row.record)).length;
        }
      }
      const [count] = await client.query<{ targets: string }>(
        'SELECT count(DISTINCT target_key) AS targets FROM citing',
      );
      return { documents, targets: Number(count?.targets ?? 0), changes };
    });
  }

  #writeDerived(client: Client, record: DocumentRecord): Promise<ChangeRow[]> {
    return client.query<ChangeRow>(WRITE_DERIVED, [record.docId, ...derivedParameters(record)]);
  }
}

/**
 * What the target index and the journals share to save round trips, each sound because
 * a target's check runs under its claim (one process at a time):
 *
 * - reading a target's outcome reads its journal in the same query and keeps it for the
 *   journal read that follows under the claim (TargetChecker reads the outcome, then
 *   begins the journal), for a moment only;
 * - putting a target's outcome deletes its journal in the same statement (the check has
 *   ended: CheckJournal's rule), so the journal's own delete that follows has nothing to do.
 */
class JournalReadAhead {
  readonly #read = new Map<string, { entry: CheckJournalEntry | undefined; at: number }>();
  readonly #ended = new Set<string>();

  keepRead(journalKey: string, entry: CheckJournalEntry | undefined): void {
    this.#read.set(journalKey, { entry, at: performance.now() });
  }

  /** The journal read with its target within the last second, once; undefined when there is none to use. */
  takeRead(journalKey: string): { entry: CheckJournalEntry | undefined } | undefined {
    const kept = this.#read.get(journalKey);
    this.#read.delete(journalKey);
    return kept !== undefined && performance.now() - kept.at < 1_000 ? kept : undefined;
  }

  ended(journalKey: string): void {
    this.#ended.add(journalKey);
    this.#read.delete(journalKey);
  }

  /** True (once) when the journal was deleted with its target's outcome. */
  takeEnded(journalKey: string): boolean {
    return this.#ended.delete(journalKey);
  }

  written(journalKey: string): void {
    this.#ended.delete(journalKey);
    this.#read.delete(journalKey);
  }
}

const journalKeyOf = (targetKey: string) => `journal:${targetKey}`;

class PostgresTargets implements TargetIndex {
  constructor(
    private readonly database: Database,
    private readonly readAhead: JournalReadAhead,
  ) {}

  async get(key: string): Promise<TargetIndexEntry | undefined> {
    const journalKey = journalKeyOf(key);
    const [row] = await this.database.query<{ entry: TargetIndexEntry | null; journal: CheckJournalEntry | null }>(
      `SELECT (SELECT entry FROM targets WHERE target_key = $1) AS entry,
              (SELECT entry FROM check_journals WHERE journal_key = $2) AS journal`,
      [key, journalKey],
    );
    this.readAhead.keepRead(journalKey, row?.journal?.key === journalKey ? row.journal : undefined);
    return row?.entry?.key === key ? row.entry : undefined;
  }

  async put(entry: TargetIndexEntry): Promise<void> {
    await this.write(entry);
  }

  async write(entry: TargetIndexEntry, options: { unlessNewer?: boolean } = {}): Promise<boolean> {
    const journalKey = journalKeyOf(entry.key);
    const rows = await this.database.query(
      `WITH ended AS (DELETE FROM check_journals WHERE journal_key = $6 AND NOT $5::boolean)
       INSERT INTO targets AS t (target_key, kind, checked_at, entry) VALUES ($1, $2, $3::timestamptz, $4::json)
       ON CONFLICT (target_key) DO UPDATE SET kind = EXCLUDED.kind, checked_at = EXCLUDED.checked_at, entry = EXCLUDED.entry
       WHERE NOT $5::boolean OR t.checked_at < EXCLUDED.checked_at
       RETURNING 1`,
      [entry.key, entry.outcome.kind, entry.checkedAt, JSON.stringify(entry), options.unlessNewer === true, journalKey],
    );
    if (options.unlessNewer !== true) this.readAhead.ended(journalKey);
    return rows.length === 1;
  }
}

class PostgresJournals implements CheckJournals {
  constructor(
    private readonly database: Database,
    private readonly readAhead: JournalReadAhead,
  ) {}

  async get(key: string): Promise<CheckJournalEntry | undefined> {
    const readWithTarget = this.readAhead.takeRead(key);
    if (readWithTarget !== undefined) return readWithTarget.entry;
    const [row] = await this.database.query<{ entry: CheckJournalEntry }>(
      'SELECT entry FROM check_journals WHERE journal_key = $1',
      [key],
    );
    return row?.entry.key === key ? row.entry : undefined;
  }

  async put(entry: CheckJournalEntry): Promise<void> {
    this.readAhead.written(entry.key);
    await this.database.query(
      `INSERT INTO check_journals (journal_key, checked_at, entry) VALUES ($1, $2::timestamptz, $3::json)
       ON CONFLICT (journal_key) DO UPDATE SET checked_at = EXCLUDED.checked_at, entry = EXCLUDED.entry`,
      [entry.key, entry.checkedAt, JSON.stringify(entry)],
    );
  }

  async delete(key: string): Promise<void> {
    if (this.readAhead.takeEnded(key)) return;
    await this.database.query('DELETE FROM check_journals WHERE journal_key = $1', [key]);
  }
}

/**
 * A recheck run's plan as one query over indexed columns: the due targets from
 * `target_states` (by `widening_due_at`, `last_checked_at` or `status`), joined to the
 * reverse index for the documents citing them; no record is read.
 */
async function planDue(database: Database, selection: DueSelection): Promise<DuePlan> {
  // Posts, links, and the unidentified posts looked up again (targetsOfRun's choice).
  const postOrLink = `(t.target_key LIKE 'post:%' OR t.target_key LIKE 'link:%' OR (t.target_key LIKE 'embed:%' AND t.status = 'unidentified'))`;
  let where: string;
  let value: unknown;
  switch (selection.kind) {
    case 'widening':
      where = `${postOrLink} AND (t.widening_due_at IS NULL OR t.widening_due_at <= $1::bigint)`;
      value = selection.now;
      break;
    case 'checked-before':
      where = `${postOrLink} AND (t.last_checked_at IS NULL OR t.last_checked_at < $1::bigint)`;
      value = selection.before;
      break;
    case 'statuses':
      where = 't.status = ANY($1::text[])';
      value = [...selection.statuses];
      break;
  }
  const rows = await database.query<{ doc_id: string; targets: string[] }>(
    `SELECT c.doc_id, array_agg(c.target_key ORDER BY c.target_key COLLATE "C") AS targets
     FROM target_states t JOIN citing c ON c.target_key = t.target_key
     WHERE ${where}
     GROUP BY c.doc_id
     ORDER BY c.doc_id COLLATE "C"`,
    [value],
  );
  const targets = [...new Set(rows.flatMap((row) => row.targets))].sort();
  return { targets, documents: rows.map((row) => ({ docId: row.doc_id, targets: row.targets })) };
}
