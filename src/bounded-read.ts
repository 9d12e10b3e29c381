import { constants, type Stats } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import { sep } from 'node:path';
import { UsageError } from './errors.js';

/**
 * Reading a source without trusting it: a size cap counted while reading (a stat
 * says nothing of /dev/zero, a FIFO or a file under /proc), regular files only
 * (checked on the opened handle, so a swap after a check cannot get past it), and
 * an AbortSignal checked between chunks, so a shutdown never waits on a read.
 */
export interface ReadLimits {
  /** CITESNAP_MAX_SOURCE_BYTES: more than this is refused, and the rest is never read. */
  maxBytes: number;
  /** Stops the read between chunks (the worker's job signal). */
  signal?: AbortSignal | undefined;
}

/** O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOCTTY: a terminal device never becomes ours. */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;
const CHUNK_BYTES = 64 * 1024;

/** `where` is larger than the cap: said with the cap and the variable that sets it. */
export function tooLargeError(where: string, maxBytes: number): UsageError {
  return new UsageError(
    `${where}: larger than the ${maxBytes}-byte limit on an article (CITESNAP_MAX_SOURCE_BYTES), not read further`,
  );
}

/** Concatenates the chunks of a stream, refusing it as soon as it passes `maxBytes`. */
export async function readAtMost(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  where: string,
  limits: ReadLimits,
): Promise<Buffer> {
  const kept: Uint8Array[] = [];
  let total = 0;
  limits.signal?.throwIfAborted();
  for await (const chunk of chunks) {
    limits.signal?.throwIfAborted();
    total += chunk.byteLength;
    // Leaving the loop destroys the stream: nothing past the cap is read.
    if (total > limits.maxBytes) throw tooLargeError(where, limits.maxBytes);
    kept.push(chunk);
  }
  return Buffer.concat(kept, total);
}

/**
 * Reads a file the command's own user named, wherever it is: a regular file only,
 * at most `maxBytes`. Errors say what is wrong with it (exit 2 from the CLI).
 */
export async function readUserFile(path: string, where: string, limits: ReadLimits): Promise<Buffer> {
  let handle: FileHandle;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (error) {
    throw new UsageError(`${where}: ${openFailure(error)}, expected a readable article file`, { cause: error });
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new UsageError(`${where}: ${kindOf(info)}, expected an article file`);
    return await readHandle(handle, where, limits);
  } finally {
    await handle.close();
  }
}

/**
 * Reads a file a job producer named, who must not learn about the worker's files:
 * only a regular file whose real path (symlinks resolved) lies under `root`'s real
 * path. Anything else (no such file, outside the root, a directory, a device, a
 * FIFO, unreadable) is one and the same refusal, so the answer tells nothing of what
 * exists. Without a root, every path is refused.
 */
export async function readFileUnderRoot(
  path: string,
  root: string | undefined,
  where: string,
  limits: ReadLimits,
): Promise<Buffer> {
  if (root === undefined) {
    throw new UsageError(
      `${where}: path jobs are refused: this worker has no CITESNAP_SOURCE_ROOT (send the article inline as { html } or { text })`,
    );
  }
  const refused = new UsageError(`${where}: not a readable regular file under CITESNAP_SOURCE_ROOT`);
  let handle: FileHandle;
  try {
    const realRoot = await realpath(root);
    const real = await realpath(path);
    if (!isInside(real, realRoot)) throw refused;
    // O_NOFOLLOW: the last component cannot have become a symlink since realpath.
    handle = await open(real, OPEN_FLAGS | constants.O_NOFOLLOW);
    try {
      if (!(await handle.stat()).isFile() || !(await openedInside(handle, realRoot))) throw refused;
    } catch (error) {
      await handle.close();
      throw error;
    }
  } catch (error) {
    if (error instanceof UsageError && error !== refused) throw error;
    throw refused;
  }
  try {
    return await readHandle(handle, where, limits);
  } finally {
    await handle.close();
  }
}

async function readHandle(handle: FileHandle, where: string, limits: ReadLimits): Promise<Buffer> {
  return readAtMost(handle.createReadStream({ autoClose: false, highWaterMark: CHUNK_BYTES }), where, limits);
}

/**
 * Where the kernel says the opened file is (Linux's /proc/self/fd): a folder on the
 * way swapped for a symlink between realpath and open is caught here. Where there
 * is no /proc, the realpath check and O_NOFOLLOW are what there is.
 */
async function openedInside(handle: FileHandle, realRoot: string): Promise<boolean> {
  let opened: string;
  try {
    opened = await realpath(`/proc/self/fd/${handle.fd}`);
  } catch {
    return true;
  }
  return isInside(opened, realRoot);
}

function isInside(path: string, folder: string): boolean {
  return path.startsWith(folder.endsWith(sep) ? folder : `${folder}${sep}`);
}

function kindOf(info: Stats): string {
  if (info.isDirectory()) return 'is a directory';
  if (info.isFIFO()) return 'is a FIFO';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'is a device';
  if (info.isSocket()) return 'is a socket';
  return 'is not a regular file';
}

function openFailure(error: unknown): string {
  const code = error instanceof Error && 'code' in error ? String(error.code) : undefined;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENXIO') return 'is a socket or a device without a reader';
  return `cannot open (${code ?? String(error)})`;
}
