import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../errors.js';
import type { TargetIndexEntry } from '../model/index.js';
import type { TargetIndex } from '../ports.js';
import { writeFileAtomic } from './atomic-file.js';

/**
 * The index of targets already checked, under `<dataDir>/index/`. One small file a
 * target, replaced atomically, so several processes can share the data dir without
 * a lock.
 */
export class DataDirTargetIndex implements TargetIndex {
  readonly directory: string;

  constructor(options: { dataDir: string }) {
    this.directory = join(options.dataDir, 'index');
  }

  async get(key: string): Promise<TargetIndexEntry | undefined> {
    let text: string;
    try {
      text = await readFile(this.pathOf(key), 'utf8');
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return undefined;
      throw error;
    }
    let entry: unknown;
    try {
      entry = JSON.parse(text);
    } catch {
      // Entries are not flushed to disk: one a crash left empty or cut is a miss, replaced by the next put.
      return undefined;
    }
    // A hash collision is practically impossible, but a wrong target would be a wrong archive.
    return isEntryOf(entry, key) ? entry : undefined;
  }

  async put(entry: TargetIndexEntry): Promise<void> {
    // The index only saves requests: an entry lost in a crash is fetched again, so it
    // is replaced atomically but not flushed to disk (records and WARC files are).
    await writeFileAtomic(this.pathOf(entry.key), `${JSON.stringify(entry)}\n`, { durable: false });
  }

  private pathOf(key: string): string {
    const hash = createHash('sha256').update(key).digest('hex');
    // Two levels of fan-out keep directories small for millions of targets.
    return join(this.directory, hash.slice(0, 2), `${hash}.json`);
  }
}

/** An entry this index wrote for `key`: only this process's own writes land here, so its shape is checked, not its every field. */
function isEntryOf(value: unknown, key: string): value is TargetIndexEntry {
  if (typeof value !== 'object' || value === null) return false;
  if (!('key' in value && 'checkedAt' in value && 'outcome' in value)) return false;
  const { outcome } = value;
  return (
    value.key === key &&
    typeof value.checkedAt === 'string' &&
    typeof outcome === 'object' &&
    outcome !== null &&
    'kind' in outcome &&
    (outcome.kind === 'link' || outcome.kind === 'post') &&
    'check' in outcome
  );
}
