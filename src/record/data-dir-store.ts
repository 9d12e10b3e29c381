import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, IndexDamagedError, messageOf, RecordUnreadableError } from '../errors.js';
import { DOC_ID_PATTERN, validateDocId, type DocumentRecord, type Status } from '../model/index.js';
import type { CitingIndex, DocumentRecords, ReindexResult, StatusChange, StatusChangeListener, StatusChangeLog, Store, TargetState } from '../ports.js';
import { writeFileAtomic } from './atomic-file.js';
import { DataDirTargetIndex } from './data-dir-target-index.js';
import { IndexDatabase, setAsideDamaged } from './index-database.js';
import { serializeRecord } from './serialize.js';

export interface DataDirStoreOptions {
  dataDir: string;
  /** Told of the status changes each written record brings. */
  onStatusChanges?: StatusChangeListener;
}

/**
 * The store in a data dir: one JSON file a record under `documents/`, replaced by an
 * atomic rename, and `index.sqlite` (index-database.ts) for the target index, the
 * reverse index, the targets' schedule state and the status-change log, which every
 * process on the machine shares. The records are the truth: everything in the index
 * but the target index is derived from them as they are written, and rebuilt by
 * `citing.rebuild()` (`citesnap reindex`).
 */
export function openDataDirStore(options: DataDirStoreOptions): Store {
  const index = new LazyIndexDatabase(options.dataDir);
  const documents = new DataDirDocuments({ dataDir: options.dataDir, index, ...(options.onStatusChanges === undefined ? {} : { onStatusChanges: options.onStatusChanges }) });
  const citing: CitingIndex = {
    documentsCiting: async (targetKey) => {
      await documents.ensureIndexed();
      return index.get().documentsCiting(targetKey);
    },
    targetStates: async (): Promise<TargetState[]> => {
      await documents.ensureIndexed();
      return [...index.get().targetStates()];
    },
    rebuild: () => documents.reindex(),
  };
  const changes: StatusChangeLog = {
    list: async (listOptions: { since: string; status?: Status }): Promise<StatusChange[]> => {
      await documents.ensureIndexed();
      return index.get().statusChanges(listOptions);
    },
  };
  return {
    documents,
    targets: new DataDirTargetIndex({ database: () => index.get() }),
    citing,
    changes,
    close: () => {
      index.close();
      return Promise.resolve();
    },
  };
}

/** The index database, opened on first use (`show` never needs it) and reopened after a reindex set a damaged one aside. */
class LazyIndexDatabase {
  #database: IndexDatabase | undefined;
  constructor(readonly dataDir: string) {}

  get(): IndexDatabase {
    this.#database ??= new IndexDatabase({ dataDir: this.dataDir });
    return this.#database;
  }

  close(): void {
    this.#database?.close();
    this.#database = undefined;
  }
}

/** The document records under `<dataDir>/documents/`, one JSON file a document. */
export class DataDirDocuments implements DocumentRecords {
  readonly directory: string;
  readonly #index: LazyIndexDatabase;
  readonly #onStatusChanges: StatusChangeListener | undefined;

  constructor(options: { dataDir: string; index: LazyIndexDatabase; onStatusChanges?: StatusChangeListener }) {
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
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return undefined;
      throw error;
    }
    try {
      return JSON.parse(text) as DocumentRecord;
    } catch (error) {
      // Records are only ever replaced whole, so this is a file edited or damaged by hand.
      throw new RecordUnreadableError(`${path}: not a readable record (${messageOf(error)})`, { cause: error });
    }
  }

  /**
   * Replaces the record atomically and brings the reverse index, the schedule state and
   * the change log up to date. The targets it cites are noted before the rename, so a
   * process that dies in between leaves the reverse index naming a document that may
   * not cite a target (readers check the record), never missing one that does.
   */
  async write(record: DocumentRecord): Promise<void> {
    const path = this.pathOf(record.docId);
    const index = this.#index.get();
    index.noteCitations(record);
    await writeFileAtomic(path, serializeRecord(record));
    const changes = index.recordWritten(record, () => readNow(path));
    if (changes.length > 0) this.#onStatusChanges?.(changes);
  }

  /** Builds the reverse index from the records when it has never been built (a new index, or a data dir from before it). */
  async ensureIndexed(): Promise<void> {
    const index = this.#index.get();
    if (!index.isBuilt()) await index.rebuild(this.#allRecords());
  }

  /** Rebuilds everything derived from the records; a database that cannot be read is moved aside first. */
  async reindex(): Promise<ReindexResult> {
    let setAside: string | undefined;
    try {
      this.#index.get().checkIntegrity();
    } catch (error) {
      if (!(error instanceof IndexDamagedError)) throw error;
      this.#index.close();
      const path = join(this.#index.dataDir, 'index.sqlite');
      if (existsSync(path)) setAside = setAsideDamaged(path);
    }
    const counts = await this.#index.get().rebuild(this.#allRecords());
    return setAside === undefined ? counts : { ...counts, setAside };
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

/** The record on disk now, for the index's clean-up of targets a document stopped citing. */
function readNow(path: string): DocumentRecord | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as DocumentRecord;
  } catch {
    // Gone or unreadable: it cites nothing the index should keep for it.
    return undefined;
  }
}
