import type { Citation } from '../model/index.js';

/** Citations by status, each status in the order it first appears (the order summaries print them in). */
export function countStatuses(citations: readonly Citation[]): Partial<Record<Citation['status'], number>> {
  const counts: Partial<Record<Citation['status'], number>> = {};
  for (const citation of citations) counts[citation.status] = (counts[citation.status] ?? 0) + 1;
  return counts;
}
