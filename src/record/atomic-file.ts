import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { errnoCode, storageWriteError } from '../errors.js';

/**
 * Writes a file so that a reader, in this process or another, sees either the old
 * content or the new, never half of it: write a temp file beside it, then rename
 * over the target (atomic within one file system). `durable` (the default) flushes
 * the content to disk before the rename, so a crash cannot leave an empty file in
 * the old one's place; a cache that can be rebuilt may skip that cost.
 */
export async function writeFileAtomic(
  path: string,
  content: string | Uint8Array,
  options: { durable?: boolean } = {},
): Promise<void> {
  try {
    await writeThroughTemp(path, content, options);
  } catch (error) {
    // Node names the temp file, or no file at all (`ENOSPC: …, write`): name the one being written.
    throw storageWriteError(path, error);
  }
}

async function writeThroughTemp(path: string, content: string | Uint8Array, options: { durable?: boolean }) {
  const directory = dirname(path);
  const temp = join(directory, `.${basename(path)}.${process.pid}.${randomUUID()}.tmp`);
  const handle = await openCreatingDirectory(temp);
  try {
    await handle.writeFile(content);
    if (options.durable !== false) await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/** Most writes go to a folder that exists: make it only when the open says it is missing. */
async function openCreatingDirectory(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'wx');
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw error;
    await mkdir(dirname(path), { recursive: true });
    return open(path, 'wx');
  }
}
