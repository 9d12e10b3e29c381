import { stat } from 'node:fs/promises';
import { RecordUnreadableError } from '../errors.js';
import type { DocumentRecord } from '../model/index.js';
import type { DocumentSummary, DocumentSummaryPage } from '../ports.js';
import { newestFirst, summarizeDocument } from './citation-stats.js';

/** What the list needs of the data dir's records (DataDirDocuments). */
export interface RecordFiles {
  /** The folder of the record files. */
  readonly directory: string;
  pathOf(docId: string): string;
  list(): Promise<string[]>;
  read(docId: string): Promise<DocumentRecord | undefined>;
}

interface Entry {
  /** The record file's mtime and size when it was read: a record is only ever replaced whole, so either changes. */
  stamp: string;
  summary: DocumentSummary | undefined;
}

/** How long the sorted list is trusted while the documents folder looks unchanged: a record edited in place shows after this. */
const RECHECK_AFTER_MS = 5_000;

/**
 * The data dir's listNewestFirst. The data dir keeps nothing beside the records to
 * sort them by, so each record is read once and its summary kept in memory until its
 * file changes: a page of the list costs a listing and a stat a document, not a parse
 * of every record (contract: a page of 500 documents stays fast). Records are written
 * by rename into the documents folder, which changes the folder's mtime: while it
 * stays the same, the sorted summaries of the last look are used as they are.
 */
export class DataDirDocumentList {
  readonly #records: RecordFiles;
  readonly #entries = new Map<string, Entry>();
  #sorted: { folderStamp: string; at: number; summaries: DocumentSummary[] } | undefined;

  constructor(records: RecordFiles) {
    this.#records = records;
  }

  async page({ offset, limit }: { offset: number; limit: number }): Promise<DocumentSummaryPage> {
    const summaries = await this.#allSummaries();
    return { documents: summaries.slice(offset, offset + limit), total: summaries.length };
  }

  async #allSummaries(): Promise<DocumentSummary[]> {
    const folder = await stat(this.#records.directory).catch(() => undefined);
    // No documents folder yet: nothing to list and nothing to keep.
    if (folder === undefined) return [];
    const folderStamp = `${folder.mtimeMs}:${folder.ino}`;
    const now = Date.now();
    if (this.#sorted?.folderStamp === folderStamp && now - this.#sorted.at < RECHECK_AFTER_MS)
      return this.#sorted.summaries;
    const docIds = await this.#records.list();
    const summaries: DocumentSummary[] = [];
    // A few at a time: enough to keep the disk busy without a file handle per document at once.
    for (let start = 0; start < docIds.length; start += 64) {
      const batch = await Promise.all(docIds.slice(start, start + 64).map((docId) => this.#summaryOf(docId)));
      for (const summary of batch) if (summary) summaries.push(summary);
    }
    const listed = new Set(docIds);
    for (const docId of this.#entries.keys()) if (!listed.has(docId)) this.#entries.delete(docId);
    summaries.sort(newestFirst);
    this.#sorted = { folderStamp, at: now, summaries };
    return summaries;
  }

  async #summaryOf(docId: string): Promise<DocumentSummary | undefined> {
    const info = await stat(this.#records.pathOf(docId)).catch(() => undefined);
    const stamp = info ? `${info.mtimeMs}:${info.size}` : undefined;
    const cached = this.#entries.get(docId);
    if (stamp !== undefined && cached?.stamp === stamp) return cached.summary;
    let record: DocumentRecord | undefined;
    try {
      record = await this.#records.read(docId);
    } catch (error) {
      // A record damaged by hand is left off the list (show and recheck report it), not the whole page.
      if (!(error instanceof RecordUnreadableError)) throw error;
    }
    const summary = record ? summarizeDocument(record) : undefined;
    if (stamp !== undefined) this.#entries.set(docId, { stamp, summary });
    return summary;
  }
}
