import type { Citation, DocumentRecord } from '../model/index.js';
import type { DocumentSummary } from '../ports.js';

/** Citations by status, each status in the order it first appears (the order summaries print them in). */
export function countStatuses(citations: readonly Citation[]): Partial<Record<Citation['status'], number>> {
  const counts: Partial<Record<Citation['status'], number>> = {};
  for (const citation of citations) counts[citation.status] = (counts[citation.status] ?? 0) + 1;
  return counts;
}

/** The record summed up as the list of documents shows it (the Store's listNewestFirst). */
export function summarizeDocument(record: DocumentRecord): DocumentSummary {
  return {
    docId: record.docId,
    title: record.source.title,
    sourceUri: record.source.uri,
    processedAt: record.processedAt,
    statusCounts: countStatuses(record.citations),
  };
}

/** Newest first: processedAt descending (ISO times in UTC sort as strings), then doc id in name order. */
export function newestFirst(a: DocumentSummary, b: DocumentSummary): number {
  if (a.processedAt !== b.processedAt) return a.processedAt < b.processedAt ? 1 : -1;
  return a.docId < b.docId ? -1 : a.docId > b.docId ? 1 : 0;
}
