import { createHash } from 'node:crypto';
import { stat, unlink } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { errnoCode, storageWriteError } from '../errors.js';
import type { CheckJournalEntry, TargetIndexEntry } from '../model/index.js';
import type { CheckJournals, TargetIndex } from '../ports.js';
import { appendToFile, readTextFile, writeFileAtomic } from './atomic-file.js';
import { forgetOldest } from '../forget-oldest.js';

// The callback API of node:fs, as in atomic-file.ts: no FileHandle a write.
const statFile = promisify(stat);
const unlinkFile = promisify(unlink);

/** Targets a process remembers something of (see DataDirTargetFiles). */
const REMEMBERED = 4_096;
/** A target file past this many bytes is replaced whole by its next outcome (a post's outcome is 1 to 2 KB). */
const COMPACT_AT = 16_384;

/** A journal's key is its target's with this prefix (targets/check-journal.ts). */
const JOURNAL_PREFIX = 'journal:';

/**
 * One small file a target under `<dataDir>/index/`, holding both its newest outcome
 * and the journal of a check of it in progress, as JSON lines, appended to:
 *
 * - a journal entry (the whole list of a check's answers so far) when an answer comes;
 *   the first one makes the file of a new target;
 * - the outcome when the check ends, which ends its journal: the file's newest outcome
 *   is the target's, and a journal entry counts only after it.
 *
 * Why this shape: each target check used to write three files through a temp file and
 * a rename (the journal at each answer, the outcome) and then unlink the journal. Each
 * rename over a file and each unlink frees an inode, and on ext4 every inode freed in
 * the last minutes makes each later file creation slower (see data-dir-claims.ts). Now
 * a check creates at most one file (a new target's) and frees none; once a file is past
 * COMPACT_AT (a few checks of the target), the next outcome replaces it whole, through
 * a temp file and a rename.
 *
 * Why appends are safe without a lock: a target's file is written only by the holder
 * of its claim, and read with no claim only to decide whether to claim it. A reader
 * sees whole lines and at most a last one cut short, which it skips. A crash loses at
 * most the line being written: a journal entry cut short leaves the answer unnoted,
 * and as it is noted before its WARC record is written, that record was never written;
 * an outcome cut short leaves the check's journal, so the next check replays its
 * answers from the WARC files instead of storing them again. Appends begin with a
 * newline, so a line a crash cut short is never glued to the next one. Nothing here
 * is flushed to disk: the index only saves requests (records and WARC files are
 * flushed).
 */
class DataDirTargetFiles {
  readonly directory: string;
  /**
   * Targets whose newest line this process wrote is an outcome: the checker ends a
   * check's journal right after putting its outcome, still holding the claim, so there
   * is no journal left to end, and the file is not read to find that out. Bounded: an
   * entry is used at once or never.
   */
  readonly #journalEnded = new Set<string>();
  /**
   * Each target file's length as this process last read it, plus what it appended
   * since (bounded), to know when to replace it whole without a stat. A check reads
   * the file before it writes, so lines another process wrote since (a later check of
   * the target) are counted then; only a forced check, which does not read, may let a
   * file pass COMPACT_AT by a few lines.
   */
  readonly #lengths = new Map<string, number>();
  /**
   * The journal found by the newest read of a target's outcome, until its own read
   * takes it: a check reads the outcome after taking the claim and the journal right
   * after, with nothing written between (only the claim's holder writes the file), so
   * the file is read once for both. Any write of the target drops it. Bounded: a read
   * whose outcome is reused leaves one that is never taken.
   */
  readonly #journalsRead = new Map<string, CheckJournalEntry | undefined>();

  constructor(options: { dataDir: string }) {
    this.directory = join(options.dataDir, 'index');
  }

  async outcome(key: string): Promise<TargetIndexEntry | undefined> {
    const { outcome, journal } = await this.#read(key);
    this.#journalsRead.delete(key);
    this.#journalsRead.set(key, journal);
    forgetOldest(this.#journalsRead, REMEMBERED);
    return outcome;
  }

  async journal(targetKey: string): Promise<CheckJournalEntry | undefined> {
    if (this.#journalsRead.has(targetKey)) {
      const journal = this.#journalsRead.get(targetKey);
      this.#journalsRead.delete(targetKey);
      return journal;
    }
    return (await this.#read(targetKey)).journal;
  }

  async putOutcome(entry: TargetIndexEntry): Promise<void> {
    const line = `\n${JSON.stringify(entry)}\n`;
    const path = this.#pathOf(entry.key);
    this.#journalEnded.delete(entry.key);
    const length = this.#lengths.get(entry.key) ?? (await sizeOf(path));
    if (length + Buffer.byteLength(line) > COMPACT_AT) {
      this.#forgetRead(entry.key);
      await writeFileAtomic(path, line, { durable: false });
      this.#noteLength(entry.key, Buffer.byteLength(line));
    } else await this.#append(entry.key, line);
    this.#journalEnded.add(entry.key);
    forgetOldest(this.#journalEnded, REMEMBERED);
  }

  async appendJournal(targetKey: string, entry: CheckJournalEntry): Promise<void> {
    this.#journalEnded.delete(targetKey);
    await this.#append(targetKey, `\n${JSON.stringify(entry)}\n`);
  }

  /** Ends the journal, keeping the outcome; a file left with nothing goes. */
  async removeJournal(targetKey: string): Promise<void> {
    if (this.#journalEnded.delete(targetKey)) return;
    const { outcome, journal } = await this.#read(targetKey);
    if (journal === undefined) return;
    if (outcome !== undefined) {
      await this.putOutcome(outcome);
      return;
    }
    const path = this.#pathOf(targetKey);
    this.#forgetRead(targetKey);
    await unlinkFile(path).catch((error: unknown) => {
      if (errnoCode(error) !== 'ENOENT') throw storageWriteError(path, error);
    });
  }

  async #read(targetKey: string): Promise<{ outcome?: TargetIndexEntry; journal?: CheckJournalEntry }> {
    const text = await readTextFile(this.#pathOf(targetKey));
    this.#noteLength(targetKey, text === undefined ? 0 : Buffer.byteLength(text));
    return text === undefined ? {} : parseTargetFile(text, targetKey);
  }

  async #append(targetKey: string, text: string): Promise<void> {
    const known = this.#lengths.get(targetKey);
    this.#forgetRead(targetKey);
    await appendToFile(this.#pathOf(targetKey), text);
    if (known !== undefined) this.#noteLength(targetKey, known + Buffer.byteLength(text));
  }

  /** Remembers the file's length in bytes, as read or as written by this process. */
  #noteLength(targetKey: string, length: number): void {
    this.#lengths.delete(targetKey);
    this.#lengths.set(targetKey, length);
    forgetOldest(this.#lengths, REMEMBERED);
  }

  /** Before a write: what this process read of the file is no longer all of it. */
  #forgetRead(targetKey: string): void {
    this.#lengths.delete(targetKey);
    this.#journalsRead.delete(targetKey);
  }

  #pathOf(targetKey: string): string {
    const hash = hashOf(targetKey);
    // Two levels of fan-out keep directories small for millions of targets.
    return join(this.directory, hash.slice(0, 2), `${hash}.json`);
  }
}

/** The file's size in bytes, 0 when there is none. */
async function sizeOf(path: string): Promise<number> {
  try {
    return (await statFile(path)).size;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return 0;
    throw error;
  }
}

/**
 * A target file's newest outcome, and its newest journal entry after that outcome.
 * Lines that do not parse (cut short by a crash) or name another key (a hash
 * collision, practically impossible, but a wrong target would be a wrong archive) are
 * skipped. A file of the layout before journals shared it holds one outcome line, and
 * reads the same.
 */
export function parseTargetFile(
  text: string,
  targetKey: string,
): { outcome?: TargetIndexEntry; journal?: CheckJournalEntry } {
  let outcome: TargetIndexEntry | undefined;
  let journal: CheckJournalEntry | undefined;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    if (isTargetEntryOf(value, targetKey)) {
      outcome = value;
      // An outcome ends the check whose journal came before it.
      journal = undefined;
    } else if (isJournalEntryOf(value, `${JOURNAL_PREFIX}${targetKey}`)) journal = value;
  }
  return { ...(outcome === undefined ? {} : { outcome }), ...(journal === undefined ? {} : { journal }) };
}

/**
 * The outcome in a target file read without knowing its key (`citesnap import`): the
 * key of its outcome lines, when its hash is the file's name.
 */
export function outcomeOfTargetFile(text: string, fileName: string): TargetIndexEntry | undefined {
  for (const line of text.split('\n')) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof value !== 'object' || value === null || !('key' in value) || typeof value.key !== 'string') continue;
    const { key } = value;
    if (key.startsWith(JOURNAL_PREFIX) || fileName !== `${hashOf(key)}.json`) continue;
    return parseTargetFile(text, key).outcome;
  }
  return undefined;
}

/**
 * The targets' newest outcomes and the journals of checks in progress, two facets of
 * one set of files (and of one process's knowledge of them).
 */
export function openDataDirTargetFiles(options: { dataDir: string }): {
  targets: TargetIndex;
  journals: CheckJournals;
} {
  const files = new DataDirTargetFiles(options);
  return {
    targets: { get: (key) => files.outcome(key), put: (entry) => files.putOutcome(entry) },
    journals: {
      get: (key) => files.journal(targetKeyOf(key)),
      put: (entry) => files.appendJournal(targetKeyOf(entry.key), entry),
      delete: (key) => files.removeJournal(targetKeyOf(key)),
    },
  };
}

function hashOf(targetKey: string): string {
  return createHash('sha256').update(targetKey).digest('hex');
}

function targetKeyOf(journalKey: string): string {
  if (!journalKey.startsWith(JOURNAL_PREFIX))
    throw new Error(`a journal's key starts with ${JOURNAL_PREFIX}, not ${JSON.stringify(journalKey)}`);
  return journalKey.slice(JOURNAL_PREFIX.length);
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
