import type { TargetIndexEntry } from '../model/index.js';
import type { TargetIndex } from '../ports.js';
import type { IndexDatabase } from './index-database.js';

/**
 * The index of targets already checked, in the data dir's index database
 * (index-database.ts, which says why SQLite): one row a target, shared by every
 * process on the data dir. The index only saves requests: an entry lost in a crash
 * (commits are not flushed to disk) is fetched again.
 */
export class DataDirTargetIndex implements TargetIndex {
  readonly #database: () => IndexDatabase;

  /** `database` opens the index database on first use. */
  constructor(options: { database: () => IndexDatabase }) {
    this.#database = options.database;
  }

  get(key: string): Promise<TargetIndexEntry | undefined> {
    const entry = this.#database().getOutcome(key);
    if (entry === undefined) return Promise.resolve(undefined);
    const candidate = { key, checkedAt: entry.checkedAt, outcome: entry.outcome };
    // Only this index writes these rows, so their shape is checked, not their every field.
    return Promise.resolve(isEntry(candidate) ? candidate : undefined);
  }

  put(entry: TargetIndexEntry): Promise<void> {
    this.#database().putOutcome(entry);
    return Promise.resolve();
  }
}

function isEntry(value: { key: string; checkedAt: string; outcome: unknown }): value is TargetIndexEntry {
  const { outcome } = value;
  return typeof outcome === 'object' && outcome !== null && 'kind' in outcome && (outcome.kind === 'link' || outcome.kind === 'post') && 'check' in outcome;
}
