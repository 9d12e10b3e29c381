import { createHash } from 'node:crypto';
import { appendFile, mkdir, unlink, writeFile } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { errnoCode, storageWriteError } from '../errors.js';
import type { CheckJournalEntry, TargetIndexEntry } from '../model/index.js';
import type { CheckJournals, TargetIndex } from '../ports.js';
import { readTextFile } from './atomic-file.js';

// The callback API of node:fs, as in atomic-file.ts: no FileHandle a write.
const writeWholeFile = promisify(writeFile);
const appendToFile = promisify(appendFile);
const makeDirectory = promisify(mkdir);
const unlinkFile = promisify(unlink);

/** Targets remembered as written with an outcome alone (see #outcomeOnly). */
const OUTCOME_ONLY_KEPT = 1_024;

/** A journal's key is its target's with this prefix (targets/check-journal.ts). */
const JOURNAL_PREFIX = 'journal:';

/**
 * One small file a target under `<dataDir>/index/`, holding both its newest outcome
 * and the journal of a check of it in progress, as JSON lines:
 *
 * - an outcome replaces the file: the check it records has ended, so the journal of
 *   that check goes with the file's old content (the checker puts the outcome, then
 *   ends the journal: nothing is left to remove by then);
 * - a journal entry (the whole list of a check's answers so far) is appended, and
 *   the newest one is the journal; the first one makes the file of a new target.
 *
 * Why this shape: each target check used to write three files through a temp file and
 * a rename (the journal once an answer, the outcome, then an unlink of the journal),
 * and on this machine's ext4 creating a file costs 150 us of kernel CPU, a rename 70.
 * Now a check creates at most one file (a new target's), rewritten in place after.
 *
 * Why no temp file and rename: a target's file is written only by the holder of its
 * claim, and read with no claim only to decide whether to claim it. A reader that
 * sees the file mid-write (empty, or cut short) reads no outcome, claims the target,
 * and reads it again once the writer is done. A crash mid-write leaves a damaged
 * line, read as none: the outcome is fetched again, or the journal's newest answer
 * asked again (it is noted before its WARC record is written, so no record is then
 * stored twice). Appends begin with a newline, so a line a crash cut short is never
 * glued to the next one. Entries are not flushed to disk: the index only saves
 * requests (records and WARC files are flushed).
 */
class DataDirTargetFiles {
  readonly directory: string;
  /**
   * Targets whose file this process last wrote with an outcome alone: the checker ends
   * a check's journal right after putting its outcome, still holding the claim, so the
   * file holds no journal to remove and is not read again to find that out. Bounded:
   * an entry is used at once or never.
   */
  readonly #outcomeOnly = new Set<string>();

  constructor(options: { dataDir: string }) {
    this.directory = join(options.dataDir, 'index');
  }

  async outcome(key: string): Promise<TargetIndexEntry | undefined> {
    return (await this.#read(key)).outcome;
  }

  async journal(targetKey: string): Promise<CheckJournalEntry | undefined> {
    return (await this.#read(targetKey)).journal;
  }

  async putOutcome(entry: TargetIndexEntry): Promise<void> {
    this.#outcomeOnly.delete(entry.key);
    await this.#write(entry.key, `${JSON.stringify(entry)}\n`, writeWholeFile);
    this.#outcomeOnly.add(entry.key);
    if (this.#outcomeOnly.size > OUTCOME_ONLY_KEPT)
      this.#outcomeOnly.delete(this.#outcomeOnly.values().next().value ?? '');
  }

  async appendJournal(targetKey: string, entry: CheckJournalEntry): Promise<void> {
    this.#outcomeOnly.delete(targetKey);
    await this.#write(targetKey, `\n${JSON.stringify(entry)}\n`, appendToFile);
  }

  /** Keeps the outcome; a file left with nothing goes. */
  async removeJournal(targetKey: string): Promise<void> {
    if (this.#outcomeOnly.delete(targetKey)) return;
    const { outcome, journal } = await this.#read(targetKey);
    if (journal === undefined) return;
    if (outcome !== undefined) {
      await this.putOutcome(outcome);
      return;
    }
    await unlinkFile(this.#pathOf(targetKey)).catch((error: unknown) => {
      if (errnoCode(error) !== 'ENOENT') throw storageWriteError(this.#pathOf(targetKey), error);
    });
  }

  async #read(targetKey: string): Promise<{ outcome?: TargetIndexEntry; journal?: CheckJournalEntry }> {
    const text = await readTextFile(this.#pathOf(targetKey));
    return text === undefined ? {} : parseTargetFile(text, targetKey);
  }

  async #write(targetKey: string, text: string, write: (path: string, text: string) => Promise<void>): Promise<void> {
    const path = this.#pathOf(targetKey);
    try {
      await write(path, text).catch(async (error: unknown) => {
        // Most writes go to a fan-out folder that exists: make it only when it is missing.
        if (errnoCode(error) !== 'ENOENT') throw error;
        await makeDirectory(dirname(path), { recursive: true });
        await write(path, text);
      });
    } catch (error) {
      throw storageWriteError(path, error);
    }
  }

  #pathOf(targetKey: string): string {
    const hash = hashOf(targetKey);
    // Two levels of fan-out keep directories small for millions of targets.
    return join(this.directory, hash.slice(0, 2), `${hash}.json`);
  }
}

/**
 * A target file's newest outcome and newest journal entry. Lines that do not parse
 * (cut short by a crash) or name another key (a hash collision, practically
 * impossible, but a wrong target would be a wrong archive) are skipped. A file of the
 * layout before journals shared it holds one outcome line, and reads the same.
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
    if (isTargetEntryOf(value, targetKey)) outcome = value;
    else if (isJournalEntryOf(value, `${JOURNAL_PREFIX}${targetKey}`)) journal = value;
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
