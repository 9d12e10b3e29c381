import type { IndexDatabase } from './index-database.js';

/** One target's newest outcome, as the index keeps it. */
export interface IndexEntry<T> {
  key: string;
  /** ISO time of the check that produced `outcome`. */
  checkedAt: string;
  outcome: T;
}

/**
 * The index of targets already checked: what lets a target cited by many documents
 * (or re-run within the refresh window) be reused without a new upstream request.
 * It lives in the data dir's index database (index-database.ts, which says why SQLite),
 * one row a target, shared by every process on the data dir.
 */
export class TargetIndex<T> {
  readonly #database: IndexDatabase;

  constructor(options: { database: IndexDatabase }) {
    this.#database = options.database;
  }

  get(key: string): Promise<IndexEntry<T> | undefined> {
    const entry = this.#database.getOutcome(key);
    // A hash collision cannot happen (the key is the row's key), but an entry edited by hand could lack its outcome.
    if (entry === undefined || entry.outcome === undefined || entry.outcome === null) return Promise.resolve(undefined);
    // The outcome was written by put() of the same type: JSON keeps it as it was.
    return Promise.resolve({ key, checkedAt: entry.checkedAt, outcome: entry.outcome as T });
  }

  put(entry: IndexEntry<T>): Promise<void> {
    // The index only saves requests: an entry lost in a crash is fetched again.
    this.#database.putOutcome(entry);
    return Promise.resolve();
  }
}
