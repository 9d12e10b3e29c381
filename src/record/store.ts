import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CitesnapError } from '../errors.js';
import { writeFileAtomic } from './atomic-file.js';
import { DOC_ID_PATTERN, validateDocId } from './doc-id.js';
import { IndexDatabase, setAsideDamaged, type StatusChange, type TargetState } from './index-database.js';
import type { DocumentRecord, Status } from './types.js';

export interface DocumentStoreOptions {
  dataDir: string;
  /** Told of the status changes each written record brings (the worker counts them for its metrics). */
  onStatusChanges?: (changes: readonly StatusChange[]) => void;
}

/**
 * The document records under `<dataDir>/documents/`, one JSON file a document, and
 * what is derived from them in `<dataDir>/index.sqlite` (record/index-database.ts):
 * the reverse index (target -> documents citing it), each target's schedule state
 * and the status-change log, all kept up to date as records are written.
 */
export class DocumentStore {
  readonly directory: string;
  readonly #dataDir: string;
  readonly #onStatusChanges: ((changes: readonly StatusChange[]) => void) | undefined;
  #index: IndexDatabase | undefined;

  constructor(options: DocumentStoreOptions) {
    this.directory = join(options.dataDir, 'documents');
    this.#dataDir = options.dataDir;
    this.#onStatusChanges = options.onStatusChanges;
  }

  /** The index database, opened on first use (`show` never needs it). */
  get index(): IndexDatabase {
    this.#index ??= new IndexDatabase({ dataDir: this.#dataDir });
    return this.#index;
  }

  close(): void {
    this.#index?.close();
    this.#index = undefined;
  }

  pathOf(docId: string): string {
    return join(this.directory, `${validateDocId(docId)}.json`);
  }

  /** The record, or undefined when none was written for this doc id. */
  async read(docId: string): Promise<DocumentRecord | undefined> {
    const path = this.pathOf(docId);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      return JSON.parse(text) as DocumentRecord;
    } catch (error) {
      // Records are only ever replaced whole, so this is a file edited or damaged by hand.
      throw new CitesnapError('RECORD_UNREADABLE', `${path}: not a readable record (${(error as Error).message})`, { cause: error });
    }
  }

  /**
   * Replaces the record atomically and brings the reverse index, the schedule state and
   * the change log up to date. The targets it cites are noted before the rename, so a
   * process that dies in between leaves the reverse index naming a document that may
   * not cite a target (readers check the record), never missing one that does.
   */
  async write(record: DocumentRecord): Promise<string> {
    const path = this.pathOf(record.docId);
    this.index.noteCitations(record);
    await writeFileAtomic(path, serializeRecord(record));
    const changes = this.index.recordWritten(record, () => this.#readNow(path));
    if (changes.length > 0) this.#onStatusChanges?.(changes);
    return path;
  }

  /**
   * The doc ids the reverse index has for `targetKey`, built from the records first if
   * the index is new. A document named may no longer cite the target: read its record.
   */
  async documentsCiting(targetKey: string): Promise<string[]> {
    await this.ensureIndexed();
    return this.index.documentsCiting(targetKey);
  }

  /** Every cited target with what the schedule needs of it. */
  async targetStates(): Promise<TargetState[]> {
    await this.ensureIndexed();
    return [...this.index.targetStates()];
  }

  /** The status changes since `since` (ISO), oldest first. */
  async statusChanges(options: { since: string; status?: Status }): Promise<StatusChange[]> {
    await this.ensureIndexed();
    return this.index.statusChanges(options);
  }

  /** Builds the reverse index from the records when it has never been built (a new index, or a data dir from before it). */
  async ensureIndexed(): Promise<void> {
    if (!this.index.isBuilt()) await this.index.rebuild(this.#allRecords());
  }

  /**
   * `citesnap reindex`: rebuilds everything derived from the records. A database that
   * cannot be opened or read is moved aside first (named in the result).
   */
  async reindex(): Promise<{ documents: number; targets: number; changes: number; setAside?: string }> {
    let setAside: string | undefined;
    try {
      this.index.checkIntegrity();
    } catch (error) {
      if (!(error instanceof CitesnapError && error.code === 'INDEX_DAMAGED')) throw error;
      this.close();
      const path = join(this.#dataDir, 'index.sqlite');
      if (existsSync(path)) setAside = setAsideDamaged(path);
    }
    const counts = await this.index.rebuild(this.#allRecords());
    return setAside === undefined ? counts : { ...counts, setAside };
  }

  async *#allRecords(): AsyncGenerator<DocumentRecord> {
    for (const docId of await this.list()) {
      let record: DocumentRecord | undefined;
      try {
        record = await this.read(docId);
      } catch (error) {
        // A record damaged by hand is reported by show and recheck; it must not stop the rest.
        if (error instanceof CitesnapError && error.code === 'RECORD_UNREADABLE') continue;
        throw error;
      }
      if (record !== undefined) yield record;
    }
  }

  #readNow(path: string): DocumentRecord | undefined {
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as DocumentRecord;
    } catch {
      // Gone or unreadable: it cites nothing the index should keep for it.
      return undefined;
    }
  }

  /** Every doc id with a record, in name order. */
  async list(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
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

export function serializeRecord(record: DocumentRecord): string {
  return `${JSON.stringify(record, null, 2)}\n`;
}

/** `article.html` -> `article.citations.json`, in the same folder. */
export function sidecarPathFor(sourcePath: string): string {
  const dot = sourcePath.lastIndexOf('.');
  const slash = Math.max(sourcePath.lastIndexOf('/'), sourcePath.lastIndexOf('\\'));
  const stem = dot > slash + 1 ? sourcePath.slice(0, dot) : sourcePath;
  return `${stem}.citations.json`;
}
