// The outbox: where a process keeps the WARC files it writes for a store that takes
// files whole (S3), from the moment it opens one until the store has it. A process
// killed in between leaves files here; the next process to start on this machine
// with this data dir puts them in the store (under the names they were written
// with, the names records may already hold) before anything waits on them.
import { createReadStream } from 'node:fs';
import { readdir, rm, stat, truncate } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { WARCParser } from 'warcio';
import { errnoCode } from '../errors.js';
import { parseWarcFileName } from '../model/index.js';
import type { WarcStore } from '../ports.js';

/** The outbox of a data dir. */
export function outboxFolder(dataDir: string): string {
  return join(dataDir, 'warc-outbox');
}

/** This machine's name as WARC file names carry it. */
export const FILE_NAME_HOST = hostname().replace(/[^A-Za-z0-9.-]/g, '_');

/** Outbox files this process's writers have open or are putting in the store: never leftovers. */
export const writingNow = new Set<string>();

/** Puts a closed outbox file in the store under its name, then removes it from the outbox. */
export async function storeOutboxFile(store: WarcStore, name: string, localPath: string): Promise<void> {
  await store.put(name, localPath);
  await rm(localPath, { force: true });
  writingNow.delete(localPath);
}

/**
 * Puts the outbox's leftovers in the store: the files of writers of this machine that
 * are no longer running (their pid is gone, or is this process's: a container's pid
 * 1 again), and files of another host name (a container made anew, a data dir on a
 * shared mount) untouched for `staleAfterMs`, longer than any live writer keeps a
 * file open, since files close by age. A file of a live process is left alone. A leftover may end in half a record (the
 * process was killed while writing it): that tail is cut off first, so the store
 * gets a valid WARC, and no record can point at it (a record is written only once
 * its captures are whole and stored). Putting a file a second time (a kill after
 * the put, before the removal) stores the same bytes under the same name.
 */
export async function uploadLeftovers(
  outbox: string,
  store: WarcStore,
  options: { staleAfterMs?: number | undefined } = {},
): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(outbox);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return [];
    throw error;
  }
  const uploaded: string[] = [];
  for (const name of names.sort()) {
    const localPath = join(outbox, name);
    const writer = parseWarcFileName(name);
    if (!writer || writingNow.has(localPath)) continue;
    const ours = writer.host === FILE_NAME_HOST;
    if (ours ? isRunning(writer.pid) : !(await isStale(localPath, options.staleAfterMs))) continue;
    const whole = await completeRecordsLength(localPath);
    if (whole === undefined) continue;
    if (whole.complete < whole.size) await truncate(localPath, whole.complete);
    await storeOutboxFile(store, name, localPath);
    uploaded.push(name);
  }
  return uploaded;
}

/** True when the file has not been written to for `staleAfterMs` (never, when undefined). */
async function isStale(path: string, staleAfterMs: number | undefined): Promise<boolean> {
  if (staleAfterMs === undefined) return false;
  const modified = await stat(path).then(
    (stats) => stats.mtimeMs,
    () => Date.now(),
  );
  return Date.now() - modified > staleAfterMs;
}

/** True when a process of this pid runs on this machine (a pid of this process is a writer that ended: writingNow says). */
function isRunning(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return errnoCode(error) === 'EPERM';
  }
}

/**
 * The length of the file's whole records (gzip members warcio reads through), and its
 * size; undefined when it went away meanwhile (another process put it first).
 */
async function completeRecordsLength(path: string): Promise<{ complete: number; size: number } | undefined> {
  let size: number;
  try {
    ({ size } = await stat(path));
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  const parser = new WARCParser(createReadStream(path), { parseHttp: false });
  let complete = 0;
  try {
    for await (const record of parser) {
      await record.skipFully();
      complete = parser.offset + parser.recordLength;
    }
  } catch {
    // A damaged tail: everything before it is whole.
  }
  return { complete: Math.min(complete, size), size };
}
