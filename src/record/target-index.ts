import { createHash } from 'node:crypto';
import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';

/** One target's newest outcome, as the index keeps it. */
export interface IndexEntry<T> {
  key: string;
  /** ISO time of the check that produced `outcome`. */
  checkedAt: string;
  outcome: T;
}

/**
 * The index of targets already checked, under `<dataDir>/index/`: what lets a
 * target cited by many documents (or re-run within the refresh window) be reused
 * without a new upstream request. One small file a target, replaced atomically, so
 * several processes can share the data dir without a lock.
 */
export class TargetIndex<T> {
  readonly directory: string;

  constructor(options: { dataDir: string }) {
    this.directory = join(options.dataDir, 'index');
  }

  async get(key: string): Promise<IndexEntry<T> | undefined> {
    let text: string;
    try {
      text = await readFile(this.pathOf(key), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    let entry: Partial<IndexEntry<T>> | null;
    try {
      entry = JSON.parse(text) as Partial<IndexEntry<T>> | null;
    } catch {
      // Entries are not flushed to disk: one a crash left empty or cut is a miss, replaced by the next put.
      return undefined;
    }
    // A hash collision is practically impossible, but a wrong target would be a wrong archive.
    if (entry?.key !== key || typeof entry.checkedAt !== 'string' || entry.outcome === undefined) return undefined;
    return entry as IndexEntry<T>;
  }

  async put(entry: IndexEntry<T>): Promise<void> {
    // The index only saves requests: an entry lost in a crash is fetched again, so it
    // is replaced atomically but not flushed to disk (records and WARC files are).
    await writeFileAtomic(this.pathOf(entry.key), `${JSON.stringify(entry)}\n`, { durable: false });
  }

  /** Removes the entry of `key`; one already gone is no error. */
  async delete(key: string): Promise<void> {
    try {
      await unlink(this.pathOf(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  private pathOf(key: string): string {
    const hash = createHash('sha256').update(key).digest('hex');
    // Two levels of fan-out keep directories small for millions of targets.
    return join(this.directory, hash.slice(0, 2), `${hash}.json`);
  }
}
