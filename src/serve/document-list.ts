import { stat } from 'node:fs/promises';
import { RecordUnreadableError } from '../errors.js';
import type { DocumentRecord } from '../model/index.js';
import type { DocumentRecords } from '../ports.js';
import { documentRow, type DocumentRow } from './view-models.js';

/** Documents shown on one page of `/`. */
export const DOCUMENTS_PER_PAGE = 50;

interface Entry {
  /** The record file's mtime and size when it was read: a record is only ever replaced whole, so either changes. */
  stamp: string;
  row: DocumentRow | undefined;
}

/** How long the sorted list is trusted while the documents folder looks unchanged: a record edited in place shows after this. */
const RECHECK_AFTER_MS = 5_000;

/**
 * The rows of `/`, newest first. Each record is read once and its row kept until its
 * file changes, so a page of the list costs a listing and a stat a document, not a
 * parse of every record (contract: a page of 500 documents stays fast). Records are
 * written by rename into the documents folder, which changes the folder's mtime: while
 * it stays the same, the sorted rows of the last look are served as they are.
 */
export class DocumentList {
  readonly #documents: DocumentRecords;
  readonly #entries = new Map<string, Entry>();
  #sorted: { folderStamp: string; at: number; rows: DocumentRow[] } | undefined;

  constructor(documents: DocumentRecords) {
    this.#documents = documents;
  }

  async page(page: number): Promise<{ rows: DocumentRow[]; total: number; pages: number }> {
    const rows = await this.#allRows();
    const pages = Math.max(1, Math.ceil(rows.length / DOCUMENTS_PER_PAGE));
    return {
      rows: rows.slice((page - 1) * DOCUMENTS_PER_PAGE, page * DOCUMENTS_PER_PAGE),
      total: rows.length,
      pages,
    };
  }

  async #allRows(): Promise<DocumentRow[]> {
    const folder = await stat(this.#documents.location()).catch(() => undefined);
    // A store that is no folder of files (PostgreSQL) has no stamp: its records are read on every look.
    const folderStamp = folder ? `${folder.mtimeMs}:${folder.ino}` : undefined;
    const now = Date.now();
    if (
      folderStamp !== undefined &&
      this.#sorted?.folderStamp === folderStamp &&
      now - this.#sorted.at < RECHECK_AFTER_MS
    )
      return this.#sorted.rows;
    const docIds = await this.#documents.list();
    const rows: DocumentRow[] = [];
    const seen = new Set<string>();
    // A few at a time: enough to keep the disk busy without a file handle per document at once.
    for (let start = 0; start < docIds.length; start += 64) {
      const batch = await Promise.all(docIds.slice(start, start + 64).map((docId) => this.#rowOf(docId)));
      for (const row of batch) if (row) rows.push(row);
    }
    for (const docId of docIds) seen.add(docId);
    for (const docId of this.#entries.keys()) if (!seen.has(docId)) this.#entries.delete(docId);
    rows.sort((a, b) =>
      a.processedAt === b.processedAt ? (a.docId < b.docId ? -1 : 1) : a.processedAt < b.processedAt ? 1 : -1,
    );
    if (folderStamp !== undefined) this.#sorted = { folderStamp, at: now, rows };
    return rows;
  }

  async #rowOf(docId: string): Promise<DocumentRow | undefined> {
    const info = await stat(this.#documents.locationOf(docId)).catch(() => undefined);
    const stamp = info ? `${info.mtimeMs}:${info.size}` : undefined;
    const cached = this.#entries.get(docId);
    if (stamp !== undefined && cached?.stamp === stamp) return cached.row;
    let record: DocumentRecord | undefined;
    try {
      record = await this.#documents.read(docId);
    } catch (error) {
      // A record damaged by hand is left off the list (show and recheck report it), not the whole page.
      if (!(error instanceof RecordUnreadableError)) throw error;
    }
    const row = record ? documentRow(record) : undefined;
    if (stamp !== undefined) this.#entries.set(docId, { stamp, row });
    return row;
  }
}
