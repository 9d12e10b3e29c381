/**
 * Splits a recheck run into parts of bounded size, so that every worker can take a
 * part and a worker that dies loses only its own. Pure; the scheduler's job calls it
 * and puts one queue job a part. A part is a set of documents, each with its due
 * targets: every document is then written once a run, and a target cited by documents
 * in several parts is still asked once (the parts share the target index and claims).
 */

/** Documents a part holds by default: a few seconds to a minute of work. */
export const DEFAULT_PART_SIZE = 100;

export interface RecheckPart<T> {
  /** 0-based. */
  index: number;
  /** Parts in the run. */
  of: number;
  items: T[];
}

export interface PlanOptions<T> {
  /** What makes two items one (a doc id): duplicates are dropped, and items are dealt in its order. */
  keyOf: (item: T) => string;
  /** Most items in one part (default DEFAULT_PART_SIZE). */
  partSize?: number;
}

/**
 * Deals the items out like cards: item i (in key order) goes to part i mod n, so the
 * parts come out of even size (they differ by one at most).
 */
export function planRecheckParts<T>(items: Iterable<T>, options: PlanOptions<T>): RecheckPart<T>[] {
  const partSize = options.partSize ?? DEFAULT_PART_SIZE;
  if (!Number.isInteger(partSize) || partSize < 1)
    throw new RangeError(`partSize: expected a whole number of at least 1, got ${partSize}`);
  const unique = new Map<string, T>();
  for (const item of items) if (!unique.has(options.keyOf(item))) unique.set(options.keyOf(item), item);
  const sorted = [...unique].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, item]) => item);
  const count = Math.ceil(sorted.length / partSize);
  const parts: RecheckPart<T>[] = Array.from({ length: count }, (_, index) => ({ index, of: count, items: [] }));
  sorted.forEach((item, position) => parts[position % count]?.items.push(item));
  return parts;
}
