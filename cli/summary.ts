import { countStatuses } from '../src/record/citation-stats.js';
import type { DocumentRecord } from '../src/model/index.js';
import type { DocumentRecords } from '../src/ports.js';

/** The one line `archive` and `recheck` print for a record: its citations by status, and where it is. */
export function summarize(record: DocumentRecord, documents: DocumentRecords): string {
  const counts = Object.entries(countStatuses(record.citations))
    .map(([status, count]) => `${count} ${status}`)
    .join(', ');
  return `${record.docId}: ${record.citations.length} citation${record.citations.length === 1 ? '' : 's'}${counts ? ` (${counts})` : ''} -> ${documents.locationOf(record.docId)}`;
}

/** `3 documents`, `1 document`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
