/**
 * Splits a recheck run's due targets into parts of bounded size, so that every worker
 * can take a part and a worker that dies loses only its own. Pure; the scheduler's
 * job calls it and puts one queue job a part.
 */

/** Targets a part holds by default: at 50 ms a request and 4 in flight a host, well under a minute of work. */
export const DEFAULT_PART_SIZE = 100;

export interface RecheckPart {
  /** 0-based. */
  index: number;
  /** Parts in the run. */
  of: number;
  /** Target keys (`post:<id>`, `link:<url>`, `embed:<hash>`), each in exactly one part. */
  targets: string[];
}

export interface PlanOptions {
  /** Most targets in one part (default DEFAULT_PART_SIZE). */
  partSize?: number;
}

/**
 * Deals the targets out like cards: target i goes to part i mod n. Keys sort by kind
 * and host (`link:https://host/…`), so a part gets a share of every host instead of
 * one part holding all of one host's targets, which the per-host limit would serialise
 * while the other workers idle. Duplicates are dropped.
 */
export function planRecheckParts(targets: Iterable<string>, options: PlanOptions = {}): RecheckPart[] {
  const partSize = options.partSize ?? DEFAULT_PART_SIZE;
  if (!Number.isInteger(partSize) || partSize < 1) throw new RangeError(`partSize: expected a whole number of at least 1, got ${partSize}`);
  const unique = [...new Set(targets)].sort();
  const count = Math.ceil(unique.length / partSize);
  const parts: RecheckPart[] = Array.from({ length: count }, (_, index) => ({ index, of: count, targets: [] }));
  unique.forEach((target, position) => parts[position % count]?.targets.push(target));
  return parts;
}
