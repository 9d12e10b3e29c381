import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CitesnapError } from '../errors.js';
import { writeFileAtomic } from './atomic-file.js';
import { DOC_ID_PATTERN, validateDocId } from './doc-id.js';
import type { DocumentRecord } from './types.js';

/** The document records under `<dataDir>/documents/`, one JSON file a document. */
export class DocumentStore {
  readonly directory: string;

  constructor(options: { dataDir: string }) {
    this.directory = join(options.dataDir, 'documents');
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

  async write(record: DocumentRecord): Promise<string> {
    const path = this.pathOf(record.docId);
    await writeFileAtomic(path, serializeRecord(record));
    return path;
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
