import { createHash } from 'node:crypto';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../errors.js';
import type { CheckJournalEntry, TargetIndexEntry } from '../model/index.js';
import type { CheckJournals, TargetIndex } from '../ports.js';
import { readTextFile, writeFileAtomic } from './atomic-file.js';

/**
 * Small keyed entries under `<dataDir>/index/`, one file a key, replaced atomically,
 * so several processes can share the data dir without a lock. The targets' outcomes
 * and the journals of checks in progress live here side by side, under keys of
 * their own (`link:…`, `post:…`, `journal:…`).
 */
class DataDirIndexFiles<Entry extends { key: string }> {
  readonly directory: string;

  constructor(
    options: { dataDir: string },
    /** Whether a parsed file is an entry of this kind for `key`. */
    private readonly isEntryOf: (value: unknown, key: string) => value is Entry,
  ) {
    this.directory = join(options.dataDir, 'index');
  }

  async get(key: string): Promise<Entry | undefined> {
    const text = await readTextFile(this.pathOf(key));
    if (text === undefined) return undefined;
    let entry: unknown;
    try {
      entry = JSON.parse(text);
    } catch {
      // Entries are not flushed to disk: one a crash left empty or cut is a miss, replaced by the next put.
      return undefined;
    }
    // A hash collision is practically impossible, but a wrong target would be a wrong archive.
    return this.isEntryOf(entry, key) ? entry : undefined;
  }

  async put(entry: Entry): Promise<void> {
    // The index only saves requests: an entry lost in a crash is fetched again, so it
    // is replaced atomically but not flushed to disk (records and WARC files are).
    await writeFileAtomic(this.pathOf(entry.key), `${JSON.stringify(entry)}\n`, { durable: false });
  }

  /** Removes the entry of `key`; one already gone is no error. */
  async delete(key: string): Promise<void> {
    try {
      await unlink(this.pathOf(key));
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') throw error;
    }
  }

  private pathOf(key: string): string {
    const hash = createHash('sha256').update(key).digest('hex');
    // Two levels of fan-out keep directories small for millions of targets.
    return join(this.directory, hash.slice(0, 2), `${hash}.json`);
  }
}

/** The targets' newest outcomes. */
export class DataDirTargetIndex extends DataDirIndexFiles<TargetIndexEntry> implements TargetIndex {
  constructor(options: { dataDir: string }) {
    super(options, isTargetEntryOf);
  }
}

/** The journals of checks in progress. */
export class DataDirCheckJournals extends DataDirIndexFiles<CheckJournalEntry> implements CheckJournals {
  constructor(options: { dataDir: string }) {
    super(options, isJournalEntryOf);
  }
}

/** Only this program writes here, so an entry's shape is checked, not its every field. */
function isTargetEntryOf(value: unknown, key: string): value is TargetIndexEntry {
  if (!isEntryShape(value, key)) return false;
  const { outcome } = value;
  return (
    typeof outcome === 'object' &&
    outcome !== null &&
    'kind' in outcome &&
    (outcome.kind === 'link' || outcome.kind === 'post' || outcome.kind === 'cdx') &&
    'check' in outcome
  );
}

function isJournalEntryOf(value: unknown, key: string): value is CheckJournalEntry {
  if (!isEntryShape(value, key)) return false;
  const { outcome } = value;
  return typeof outcome === 'object' && outcome !== null && 'answers' in outcome && Array.isArray(outcome.answers);
}

function isEntryShape(value: unknown, key: string): value is { key: string; checkedAt: string; outcome: unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    'key' in value &&
    'checkedAt' in value &&
    'outcome' in value &&
    value.key === key &&
    typeof value.checkedAt === 'string'
  );
}
