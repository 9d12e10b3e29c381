import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, messageOf, RecordUnreadableError } from '../errors.js';
import { DOC_ID_PATTERN, isDocumentRecord, recordProblem, validateDocId, type DocumentRecord } from '../model/index.js';
import type { DocumentRecords, Store } from '../ports.js';
import { writeFileAtomic } from './atomic-file.js';
import { DataDirCheckJournals, DataDirTargetIndex } from './data-dir-target-index.js';
import { serializeRecord } from './serialize.js';

/**
 * The store in a data dir: one JSON file a record under `documents/`, one small
 * file a target under `index/`, each replaced by an atomic rename, so several
 * processes can share the folder without a lock.
 */
export function openDataDirStore(options: { dataDir: string }): Store {
  return {
    documents: new DataDirDocuments(options),
    targets: new DataDirTargetIndex(options),
    journals: new DataDirCheckJournals(options),
    close: () => Promise.resolve(),
  };
}

/** The document records under `<dataDir>/documents/`, one JSON file a document. */
export class DataDirDocuments implements DocumentRecords {
  readonly directory: string;

  constructor(options: { dataDir: string }) {
    this.directory = join(options.dataDir, 'documents');
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
      throw new RecordUnreadableError(`${path}: not a readable record (${field}expected ${problem?.expected ?? 'a record'})`);
    }
    return value;
  }

  async write(record: DocumentRecord): Promise<void> {
    await writeFileAtomic(this.pathOf(record.docId), serializeRecord(record));
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
