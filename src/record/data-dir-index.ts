import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { errnoCode, storageWriteError } from '../errors.js';
import { DOC_ID_PATTERN, type Citation, type DocumentRecord, type Status } from '../model/index.js';
import type { StatusChange, TargetState } from '../ports.js';
import { appendToFile, createFileOnce, readTextFile, writeFileAtomic } from './atomic-file.js';
import { forgetOldest } from '../forget-oldest.js';

/**
 * What the data dir derives from its records (contract section 10), in plain files,
 * each written atomically (temp file and rename), created whole, or (the state files)
 * appended to by whole lines that the reader merges, so that several processes, and
 * several machines mounting one file system, share it without a lock:
 *
 * - the reverse index: an empty marker file a (target, document) pair,
 *   `citing/<2 hex>/<sha256 of the target key>/<docId>`, created before the record is
 *   renamed into place (so it never misses a citing document) and again after (a
 *   concurrent writer of the same document may have just removed it);
 * - each target's schedule state beside its markers, `…/<sha256>/_state.json` (first
 *   check, newest check, its status, whether that check changed it), merged from the
 *   citations of every document that cites it; no doc id starts with `_`, so the two
 *   never share a name. One folder a target, not two: a new target's folders cost
 *   more CPU than every file in them (an empty marker in a new folder pair 0.83 ms,
 *   in an existing folder 0.25 ms). The state file is a log of JSON lines, each a
 *   state merged by one writer, appended to; its reader merges them all, so two
 *   writers appending at once on one machine lose nothing, and a new state frees no
 *   inode (a file replaced by a rename does: see data-dir-claims.ts). Past
 *   STATE_COMPACT_AT bytes the next write replaces it with one line, which may drop a
 *   line appended meanwhile, as may two machines appending at once over NFS (the last
 *   one's line is whole): a state written by a race only ever lags, as it did when every
 *   write was a rename;
 * - the status-change log: one small file a change, in day folders,
 *   `changes/<YYYY-MM-DD>/<time>-<hash>.json`, its name derived from the change, so a
 *   change written twice is one file; `changes --since` reads only the days it needs.
 *
 * Planning a run reads every target's state: O(targets), which is what the embedded
 * default can afford; past it, the PostgreSQL store (contract section 12) answers the
 * same port from indexes. The records stay the truth: `rebuild` makes all of this again
 * from them.
 */
export class DataDirIndex {
  readonly #citing: string;
  readonly #changes: string;
  readonly #documents: string;
  /**
   * The newest state of each recent target this process read or wrote. A recheck run
   * writes every document citing a target with the same new check, and all but the
   * first merge into a state that holds it already: known here, that merge changes
   * nothing, and the state file is not read again for each of them. A state file only
   * moves on (each writer merges into what it reads; reindex derives it from every
   * record), so what this process knew is in it still; a write two processes raced to
   * may have lost one's merge, which costs a target asked a run early, as it did before.
   */
  readonly #knownStates = new Map<string, TargetState>();
  /**
   * Targets whose folder this process made for a marker and whose state it has not
   * written since: their state file is new, so it is not read first (bounded like
   * #knownStates). Another process citing the same target at the same moment may have
   * appended a line already; the reader merges it with this one's.
   */
  readonly #newTargets = new Set<string>();

  constructor(options: { dataDir: string }) {
    this.#citing = join(options.dataDir, 'citing');
    this.#changes = join(options.dataDir, 'changes');
    this.#documents = join(options.dataDir, 'documents');
  }

  /** Before a record is renamed into place: a marker for every target it cites that `previous` did not. */
  async noteCitations(record: DocumentRecord, previous: DocumentRecord | undefined): Promise<void> {
    const before = new Set(previous?.citations.map(reverseIndexKey) ?? []);
    await Promise.all(
      keysOf(record)
        .filter((key) => !before.has(key))
        .map((key) => this.#mark(key, record.docId)),
    );
  }

  /**
   * After the rename: every marker asserted again, the targets' states merged with the
   * citations' checks, the new status changes logged (returned), and the markers of the
   * targets the document no longer cites removed. `current` reads the record as it is
   * on disk now.
   */
  async recordWritten(
    record: DocumentRecord,
    previous: DocumentRecord | undefined,
    current: () => Promise<DocumentRecord | undefined>,
  ): Promise<StatusChange[]> {
    const keys = keysOf(record);
    await Promise.all(keys.map((key) => this.#ensureMarked(key, record.docId)));
    const previousById = new Map(previous?.citations.map((citation) => [citation.id, citation]) ?? []);
    const added: StatusChange[] = [];
    for (const citation of record.citations) {
      const before = previousById.get(citation.id);
      // A citation whose checks did not move (another citation of the document was rechecked) changes nothing here.
      if (before !== undefined && citation.checks.length <= before.checks.length && before.status === citation.status)
        continue;
      await this.#mergeState(citation);
      // Only the transitions into checks this write added (the earlier ones are logged already).
      added.push(...(await this.#logChanges(record.docId, citation, before === undefined ? 1 : before.checks.length)));
    }
    const cited = new Set(keys);
    const dropped = [...new Set(previous?.citations.map(reverseIndexKey) ?? [])].filter((key) => !cited.has(key));
    if (dropped.length > 0) await this.#removeStale(record.docId, dropped, current);
    return added;
  }

  /** The doc ids with a marker for `key`, in name order. One may no longer cite it: read the record. */
  async documentsCiting(key: string): Promise<string[]> {
    return markersIn(await listNames(this.#targetFolder(key))).sort();
  }

  /** Every target with at least one marker, with its schedule state. */
  async targetStates(): Promise<TargetState[]> {
    const states: TargetState[] = [];
    for (const fanOut of await listNames(this.#citing)) {
      for (const hash of await listNames(join(this.#citing, fanOut))) {
        const folder = join(this.#citing, fanOut, hash);
        const names = await listNames(folder);
        if (markersIn(names).length === 0 || !names.includes(STATE_FILE)) continue;
        const state = await readState(join(folder, STATE_FILE));
        if (state === undefined) continue;
        states.push(state);
      }
    }
    return states.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** The changes at or after `since` (ISO), oldest first; with `status`, only those to it. */
  async statusChanges(options: { since: string; status?: Status }): Promise<StatusChange[]> {
    const firstDay = options.since.slice(0, 10);
    const changes: StatusChange[] = [];
    for (const day of (await listNames(this.#changes)).filter((name) => name >= firstDay).sort()) {
      for (const name of await listNames(join(this.#changes, day))) {
        if (!name.endsWith('.json')) continue;
        const change = await readChange(join(this.#changes, day, name));
        if (change === undefined || change.at < options.since) continue;
        if (options.status !== undefined && change.to !== options.status) continue;
        changes.push(change);
      }
    }
    return changes.sort((a, b) =>
      a.at === b.at ? (a.docId + a.citationId < b.docId + b.citationId ? -1 : 1) : a.at < b.at ? -1 : 1,
    );
  }

  /** True once the reverse index holds every record: it was rebuilt, or started on a data dir without records. */
  async isBuilt(): Promise<boolean> {
    if (await exists(join(this.#citing, BUILT_MARKER))) return true;
    if ((await listNames(this.#documents)).some((name) => name.endsWith('.json'))) return false;
    await this.#markBuilt();
    return true;
  }

  /**
   * Makes the reverse index, the target states and the change log again from the
   * records, which `records` yields one at a time. The old folders are moved aside
   * first and removed after; a record written meanwhile marks its own targets.
   */
  async rebuild(
    records: AsyncIterable<DocumentRecord>,
  ): Promise<{ documents: number; targets: number; changes: number }> {
    const aside = `.rebuild-${process.pid}-${randomUUID()}`;
    this.#knownStates.clear();
    this.#newTargets.clear();
    for (const folder of [this.#citing, this.#changes]) {
      await rename(folder, `${folder}${aside}`).catch((error: unknown) => {
        if (errnoCode(error) !== 'ENOENT') throw error;
      });
    }
    let documents = 0;
    let changes = 0;
    const targets = new Set<string>();
    for await (const record of records) {
      documents += 1;
      for (const key of keysOf(record)) targets.add(key);
      await this.noteCitations(record, undefined);
      changes += (await this.recordWritten(record, undefined, () => Promise.resolve(record))).length;
    }
    await this.#markBuilt();
    for (const folder of [this.#citing, this.#changes]) await rm(`${folder}${aside}`, { recursive: true, force: true });
    return { documents, targets: targets.size, changes };
  }

  async #markBuilt(): Promise<void> {
    await writeFileAtomic(join(this.#citing, BUILT_MARKER), `${new Date().toISOString()}\n`, { durable: false });
  }

  #targetFolder(key: string): string {
    const hash = createHash('sha256').update(key).digest('hex');
    return join(this.#citing, hash.slice(0, 2), hash);
  }

  async #mark(key: string, docId: string): Promise<void> {
    const path = join(this.#targetFolder(key), docId);
    // An empty file: one already there (this document cited the target before) is as good.
    const { madeFolder } = await createFileOnce(path).catch((error: unknown) => {
      throw storageWriteError(path, error);
    });
    if (madeFolder) {
      this.#newTargets.add(key);
      forgetOldest(this.#newTargets, KNOWN_STATES);
    }
  }

  async #ensureMarked(key: string, docId: string): Promise<void> {
    if (!(await exists(join(this.#targetFolder(key), docId)))) await this.#mark(key, docId);
  }

  /**
   * Removes the markers of targets a document no longer cites, then reads the record on
   * disk again and puts back any it cites after all: a concurrent writer of the same
   * document whose record cites one again either renamed it before this read (and the
   * marker comes back here) or after (and asserts its markers itself after its rename).
   */
  async #removeStale(
    docId: string,
    dropped: readonly string[],
    current: () => Promise<DocumentRecord | undefined>,
  ): Promise<void> {
    const before = await current();
    const stillCited = new Set(before === undefined ? [] : keysOf(before));
    const removed = dropped.filter((key) => !stillCited.has(key));
    await Promise.all(removed.map((key) => unlink(join(this.#targetFolder(key), docId)).catch(() => undefined)));
    const after = await current();
    const citedNow = new Set(after === undefined ? [] : keysOf(after));
    await Promise.all(removed.filter((key) => citedNow.has(key)).map((key) => this.#mark(key, docId)));
  }

  /** Merges a citation's checks into its target's state: the earliest first check, the newest check's status. */
  async #mergeState(citation: Citation): Promise<void> {
    const key = reverseIndexKey(citation);
    const path = join(this.#targetFolder(key), STATE_FILE);
    const mine = stateOfCitation(key, citation);
    const known = this.#knownStates.get(key);
    if (known !== undefined && sameState(mergeStates(mine, known), known)) return;
    const stored = this.#newTargets.delete(key) ? undefined : await readStateFile(path);
    const merged = stored === undefined ? mine : mergeStates(mine, stored.state);
    // Derived and rebuilt by reindex: not flushed to disk. Lines begin with a newline,
    // so one a crash cut short is never glued to the next.
    const line = `\n${JSON.stringify(merged)}\n`;
    if (stored === undefined || !sameState(stored.state, merged)) {
      if (stored !== undefined && stored.bytes + Buffer.byteLength(line) > STATE_COMPACT_AT) {
        await writeFileAtomic(path, line, { durable: false });
      } else await appendToFile(path, line);
    }
    this.#knownStates.delete(key);
    this.#knownStates.set(key, merged);
    forgetOldest(this.#knownStates, KNOWN_STATES);
  }

  /** Logs the status changes among a citation's checks from index `from` on; returns those not logged before. */
  async #logChanges(docId: string, citation: Citation, from: number): Promise<StatusChange[]> {
    const added: StatusChange[] = [];
    for (const change of statusChangesOf(docId, citation, from)) {
      const at = new Date(change.at).toISOString();
      const name = `${at.replace(/[-:.]/g, '')}-${createHash('sha256').update(`${docId}\n${citation.id}\n${at}`).digest('hex').slice(0, 16)}.json`;
      const path = join(this.#changes, at.slice(0, 10), name);
      if (await createOnce(path, `${JSON.stringify(change)}\n`)) added.push(change);
    }
    return added;
  }
}

/** Target states a process keeps in memory (see #knownStates): a few hundred kilobytes. */
const KNOWN_STATES = 4_096;
/**
 * A state file past this many bytes (a state line is about 100 to 300) is replaced by
 * one line at its next write: one rename every few checks of a target, and planning,
 * which reads every state file, reads a few lines of each.
 */
const STATE_COMPACT_AT = 1_024;

function sameState(a: TargetState, b: TargetState): boolean {
  return (
    a.key === b.key &&
    a.firstCheckedAt === b.firstCheckedAt &&
    a.lastCheckedAt === b.lastCheckedAt &&
    a.status === b.status &&
    a.changedAtLastCheck === b.changedAtLastCheck
  );
}

/** A target's schedule state, in its folder beside the markers; no doc id begins with `_`. */
const STATE_FILE = '_state.json';
/**
 * Says the reverse index holds every record. The number is the layout's: a data dir
 * indexed in an older one (markers under `documents/`, `target.json`) lacks it and is
 * rebuilt from its records by the first command that needs the index.
 */
const BUILT_MARKER = '.built-2';

/** The doc ids among a target folder's names (not its state file). */
function markersIn(names: readonly string[]): string[] {
  return names.filter((name) => name !== STATE_FILE && DOC_ID_PATTERN.test(name));
}

/** The status changes among a citation's checks from index `from` on (each check whose status differs from the one before). */
export function statusChangesOf(docId: string, citation: Citation, from = 1): StatusChange[] {
  const changes: StatusChange[] = [];
  const url = citationUrl(citation);
  for (let i = Math.max(1, from); i < citation.checks.length; i++) {
    const before = citation.checks[i - 1];
    const check = citation.checks[i];
    if (
      before === undefined ||
      check === undefined ||
      before.status === check.status ||
      !Number.isFinite(Date.parse(check.at))
    )
      continue;
    changes.push({ at: check.at, docId, citationId: citation.id, url, from: before.status, to: check.status });
  }
  return changes;
}

/**
 * What the reverse index keys a citation by: the target a recheck asks about
 * (`post:<id>`, `link:<url>`, as the target index keys them), or, for a post known
 * only from the article, its own id (retried by identifying it again).
 */
export function reverseIndexKey(citation: Citation): string {
  if (citation.type === 'post') return citation.post?.id === undefined ? citation.id : `post:${citation.post.id}`;
  return citation.link === undefined ? citation.id : `link:${citation.link.url}`;
}

export function keysOf(record: DocumentRecord): string[] {
  return [...new Set(record.citations.map(reverseIndexKey))];
}

/** The URL a status change names: the post's canonical URL or the cited link. */
export function citationUrl(citation: Citation): string {
  if (citation.post?.url !== undefined) return citation.post.url;
  if (citation.link !== undefined) return citation.link.url;
  return citation.post?.id === undefined ? '' : `https://x.com/i/status/${citation.post.id}`;
}

export function stateOfCitation(key: string, citation: Citation): TargetState {
  const times = citation.checks.map((check) => Date.parse(check.at)).filter((time) => Number.isFinite(time));
  const last = citation.checks.at(-1);
  const beforeLast = citation.checks.at(-2);
  return {
    key,
    firstCheckedAt: times.length === 0 ? undefined : Math.min(...times),
    lastCheckedAt: times.length === 0 ? undefined : Math.max(...times),
    status: citation.status,
    changedAtLastCheck: last !== undefined && beforeLast !== undefined && last.status !== beforeLast.status,
  };
}

/** One target cited by several documents: the earliest first check; the newest check's time, status and change. */
export function mergeStates(mine: TargetState, stored: TargetState): TargetState {
  const firsts = [mine.firstCheckedAt, stored.firstCheckedAt].filter((time) => time !== undefined);
  const mineIsNewer =
    stored.lastCheckedAt === undefined ||
    (mine.lastCheckedAt !== undefined && mine.lastCheckedAt >= stored.lastCheckedAt);
  const newer = mineIsNewer ? mine : stored;
  return {
    key: mine.key,
    firstCheckedAt: firsts.length === 0 ? undefined : Math.min(...firsts),
    lastCheckedAt: newer.lastCheckedAt,
    status: newer.status,
    changedAtLastCheck: newer.changedAtLastCheck,
  };
}

const STATUSES: readonly Status[] = [
  'archived',
  'deleted',
  'suspended',
  'protected',
  'unavailable',
  'unidentified',
  'dead',
  'blocked',
  'failed',
];

export function statusOf(value: unknown): Status | undefined {
  return STATUSES.find((status) => status === value);
}

function optionalTime(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** A target's state, or undefined when its file is missing or damaged (reindex makes it again). */
async function readState(path: string): Promise<TargetState | undefined> {
  return (await readStateFile(path))?.state;
}

/**
 * A state file's lines merged into one state (later lines win ties), and the file's
 * length; lines that do not parse (cut short by a crash) or name another key are
 * skipped. A file of the layout before appends holds one line, and reads the same.
 */
async function readStateFile(path: string): Promise<{ state: TargetState; bytes: number } | undefined> {
  const text = await readTextFile(path);
  if (text === undefined) return undefined;
  let state: TargetState | undefined;
  for (const line of text.split('\n')) {
    const value = line === '' ? undefined : parseJsonObject(line);
    const lineState = value === undefined ? undefined : stateOf(value);
    if (lineState === undefined || (state !== undefined && lineState.key !== state.key)) continue;
    state = state === undefined ? lineState : mergeStates(lineState, state);
  }
  return state === undefined ? undefined : { state, bytes: Buffer.byteLength(text) };
}

function stateOf(value: Record<string, unknown>): TargetState | undefined {
  if (typeof value.key !== 'string') return undefined;
  const status = statusOf(value.status);
  if (status === undefined) return undefined;
  return {
    key: value.key,
    firstCheckedAt: optionalTime(value.firstCheckedAt),
    lastCheckedAt: optionalTime(value.lastCheckedAt),
    status,
    changedAtLastCheck: value.changedAtLastCheck === true,
  };
}

async function readChange(path: string): Promise<StatusChange | undefined> {
  const value = await readJson(path);
  if (value === undefined) return undefined;
  const { at, docId, citationId, url } = value;
  const from = statusOf(value.from);
  const to = statusOf(value.to);
  if (
    typeof at !== 'string' ||
    typeof docId !== 'string' ||
    typeof citationId !== 'string' ||
    typeof url !== 'string' ||
    from === undefined ||
    to === undefined
  )
    return undefined;
  return { at, docId, citationId, url, from, to };
}

async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  const text = await readTextFile(path);
  return text === undefined ? undefined : parseJsonObject(text);
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    return Object.fromEntries(Object.entries(value));
  } catch {
    return undefined; // cut short by a crash: derived data, made again by reindex
  }
}

/** Creates `path` with `content` unless it exists; true when this call created it. */
async function createOnce(path: string, content: string): Promise<boolean> {
  try {
    return await createOnceThroughTemp(path, content);
  } catch (error) {
    throw storageWriteError(path, error);
  }
}

async function createOnceThroughTemp(path: string, content: string): Promise<boolean> {
  const temp = `${dirname(path)}/.${randomUUID()}.tmp`;
  try {
    await writeFile(temp, content);
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw error;
    await mkdir(dirname(path), { recursive: true });
    await writeFile(temp, content);
  }
  if (await exists(path)) {
    await unlink(temp).catch(() => undefined);
    return false;
  }
  // Whole or absent to a reader; two processes logging the same change leave one file.
  await rename(temp, path);
  return true;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return false;
    throw error;
  }
}

async function listNames(folder: string): Promise<string[]> {
  try {
    return (await readdir(folder)).filter((name) => !name.startsWith('.'));
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return [];
    throw error;
  }
}
