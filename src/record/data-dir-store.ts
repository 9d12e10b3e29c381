import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, messageOf, RecordUnreadableError } from '../errors.js';
import {
  DOC_ID_PATTERN,
  isDocumentRecord,
  recordProblem,
  validateDocId,
  type DocumentRecord,
  type Status,
} from '../model/index.js';
import type {
  CitingIndex,
  DocumentRecords,
  DocumentSummaryPage,
  RecordWriteOptions,
  ReindexResult,
  StatusChange,
  StatusChangeListener,
  StatusChangeLog,
  Store,
  TargetState,
} from '../ports.js';
import { readTextFile, writeFileAtomic } from './atomic-file.js';
import { DataDirClaims } from './data-dir-claims.js';
import { DataDirDocumentList } from './data-dir-document-list.js';
import { DataDirIndex } from './data-dir-index.js';
import { openDataDirTargetFiles } from './data-dir-target-index.js';
import { serializeRecord } from './serialize.js';
import { DataDirSourceTexts } from './data-dir-source-texts.js';

export interface DataDirStoreOptions {
  dataDir: string;
  /** Told of the status changes each written record brings. */
  onStatusChanges?: StatusChangeListener;
  /** How long a claim (a lock file in `claims/`) outlives a holder that died. Default 10000 ms. */
  claimLeaseMs?: number;
}

/**
 * The store in a data dir: one JSON file a record under `documents/`, replaced by an
 * atomic rename; one small file a target under `index/`, written only by the holder of
 * the target's claim (data-dir-target-index.ts); and what is derived from the records
 * in plain files beside them (data-dir-index.ts: the reverse index, the targets'
 * schedule state, the status-change log). A file another process may write at the same
 * time is replaced whole, or appended to by whole lines that its reader merges (a
 * target's state), so several processes, and several machines that mount one file
 * system, share the folder (contract section 12); the only locks are the claims on
 * targets being checked (data-dir-claims.ts), which no read waits for.
 */
export function openDataDirStore(options: DataDirStoreOptions): Store {
  const index = new DataDirIndex({ dataDir: options.dataDir });
  const documents = new DataDirDocuments({
    dataDir: options.dataDir,
    index,
    ...(options.onStatusChanges === undefined ? {} : { onStatusChanges: options.onStatusChanges }),
  });
  const citing: CitingIndex = {
    documentsCiting: async (targetKey) => {
      await documents.ensureIndexed();
      return index.documentsCiting(targetKey);
    },
    targetStates: async (): Promise<TargetState[]> => {
      await documents.ensureIndexed();
      return index.targetStates();
    },
    rebuild: () => documents.reindex(),
  };
  const changes: StatusChangeLog = {
    list: async (listOptions: { since: string; status?: Status }): Promise<StatusChange[]> => {
      await documents.ensureIndexed();
      return index.statusChanges(listOptions);
    },
  };
  const claims = new DataDirClaims({
    dataDir: options.dataDir,
    ...(options.claimLeaseMs === undefined ? {} : { leaseMs: options.claimLeaseMs }),
  });
  return {
    documents,
    ...openDataDirTargetFiles({ dataDir: options.dataDir }),
    citing,
    changes,
    sources: new DataDirSourceTexts({ dataDir: options.dataDir }),
    claims,
    close: () => claims.close(),
  };
}

/** The document records under `<dataDir>/documents/`, one JSON file a document. */
export class DataDirDocuments implements DocumentRecords {
  readonly directory: string;
  readonly #index: DataDirIndex;
  readonly #onStatusChanges: StatusChangeListener | undefined;
  readonly #newestFirst = new DataDirDocumentList(this);
  #indexed: Promise<void> | undefined;

  constructor(options: { dataDir: string; index: DataDirIndex; onStatusChanges?: StatusChangeListener }) {
    this.directory = join(options.dataDir, 'documents');
    this.#index = options.index;
    this.#onStatusChanges = options.onStatusChanges;
  }

  /** The record's file; throws UsageError for a doc id that could not be a file name. */
  pathOf(docId: string): string {
    return join(this.directory, `${validateDocId(docId)}.json`);
  }

  locationOf(docId: string): string {
    return this.pathOf(docId);
  }

  location(): string {
    return this.directory;
  }

  async read(docId: string): Promise<DocumentRecord | undefined> {
    const path = this.pathOf(docId);
    const text = await readTextFile(path);
    if (text === undefined) return undefined;
    // Records are only ever replaced whole, so a record that does not read is a file edited or damaged by hand.
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new RecordUnreadableError(`${path}: not a readable record (${messageOf(error)})`, { cause: error });
    }
    if (!isDocumentRecord(value)) {
      const problem = recordProblem(value);
      const field = problem?.field ? `${problem.field}: ` : '';
      throw new RecordUnreadableError(
        `${path}: not a readable record (${field}expected ${problem?.expected ?? 'a record'})`,
      );
    }
    return value;
  }

  /**
   * Replaces the record atomically and brings the reverse index, the schedule state and
   * the change log up to date. The targets it cites are noted before the rename, so a
   * process that dies in between leaves the reverse index naming a document that may
   * not cite a target (readers check the record), never missing one that does.
   * `replacing` spares reading the record it replaces (see RecordWriteOptions).
   */
  async write(record: DocumentRecord, options: RecordWriteOptions = {}): Promise<void> {
    const path = this.pathOf(record.docId);
    // Once a process: a data dir without records starts its index as complete, and one
    // from before the index gets it built before a write adds to it.
    this.#indexed ??= this.ensureIndexed();
    await this.#indexed;
    const previous = options.replacing ?? (await this.#readQuietly(record.docId));
    await this.#index.noteCitations(record, previous);
    await writeFileAtomic(path, serializeRecord(record));
    const changes = await this.#index.recordWritten(record, previous, () => this.#readQuietly(record.docId));
    if (changes.length > 0) this.#onStatusChanges?.(changes);
  }

  /** Builds the reverse index from the records when it has never been built (a data dir from before it). */
  async ensureIndexed(): Promise<void> {
    if (!(await this.#index.isBuilt())) await this.#index.rebuild(this.#allRecords());
  }

  /** Rebuilds everything derived from the records (`citesnap reindex`). */
  async reindex(): Promise<ReindexResult> {
    return this.#index.rebuild(this.#allRecords());
  }

  /** The record, or undefined when there is none or it cannot be read (it then cites nothing the index should keep). */
  async #readQuietly(docId: string): Promise<DocumentRecord | undefined> {
    try {
      return await this.read(docId);
    } catch (error) {
      if (error instanceof RecordUnreadableError) return undefined;
      throw error;
    }
  }

  async *#allRecords(): AsyncGenerator<DocumentRecord> {
    for (const docId of await this.list()) {
      let record: DocumentRecord | undefined;
      try {
        record = await this.read(docId);
      } catch (error) {
        // A record damaged by hand is reported by show and recheck; it must not stop the rest.
        if (error instanceof RecordUnreadableError) continue;
        throw error;
      }
      if (record !== undefined) yield record;
    }
  }

  listNewestFirst(page: { offset: number; limit: number }): Promise<DocumentSummaryPage> {
    return this.#newestFirst.page(page);
  }

  async list(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return [];
      throw error;
    }
    // Temp files of writes in progress (dot-prefixed, .tmp) and stray files are no doc ids.
    return names
      .filter((name) => name.endsWith('.json'))
      .map((name) => name.slice(0, -'.json'.length))
      .filter((docId) => DOC_ID_PATTERN.test(docId))
      .sort();
  }
}
