import { createReadStream } from 'node:fs';
import { copyFile, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { errnoCode, messageOf, UsageError, WarcRecordInvalidError, WarcStoreUnavailableError } from '../errors.js';
import type { WarcStore } from '../ports.js';

/**
 * A folder as the WARC store: the data dir's `warc` (the default) or any other, a
 * mount shared by several machines among them. Writers write into it in place, as
 * they always did, so `put` of a file already there does nothing.
 */
export class FolderWarcStore implements WarcStore {
  readonly folder: string;

  constructor(folder: string) {
    this.folder = resolve(folder);
  }

  async put(name: string, localPath: string): Promise<void> {
    const target = join(this.folder, name);
    if (resolve(localPath) === target) return;
    // Copied beside its name and renamed: a reader never sees half a file.
    const temporary = join(this.folder, `.${name}.${process.pid}.tmp`);
    try {
      await copyFile(localPath, temporary);
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw new WarcStoreUnavailableError(`${target}: cannot store ${localPath}: ${messageOf(error)}`, {
        cause: error,
      });
    }
  }

  async readRange(name: string, offset: number, length: number): Promise<Uint8Array> {
    const path = join(this.folder, name);
    const handle = await open(path, 'r').catch((error: unknown) => {
      throw this.openError(name, error);
    });
    try {
      const bytes = new Uint8Array(length);
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await handle.read(bytes, filled, length - filled, offset + filled);
        if (bytesRead === 0) {
          throw new WarcRecordInvalidError(
            `${path}: the file ends ${length - filled} bytes short of the record at offset ${offset}`,
          );
        }
        filled += bytesRead;
      }
      return bytes;
    } finally {
      await handle.close();
    }
  }

  async *readAll(name: string): AsyncIterable<Uint8Array> {
    const stream = createReadStream(join(this.folder, name));
    try {
      for await (const chunk of stream) yield chunk as Buffer;
    } catch (error) {
      throw this.openError(name, error);
    } finally {
      stream.destroy();
    }
  }

  async list(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.folder);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return [];
      throw error;
    }
    return names.filter((name) => !name.startsWith('.')).sort();
  }

  async check(): Promise<void> {
    try {
      await mkdir(this.folder, { recursive: true });
    } catch (error) {
      throw new UsageError(`CITESNAP_WARC_STORE: cannot make the folder ${this.folder}: ${messageOf(error)}`);
    }
  }

  location(): string {
    return this.folder;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private openError(name: string, error: unknown): Error {
    const path = join(this.folder, name);
    if (errnoCode(error) === 'ENOENT') return new WarcRecordInvalidError(`${path}: no such WARC file in the store`);
    return new WarcStoreUnavailableError(`${path}: cannot read: ${messageOf(error)}`, { cause: error });
  }
}
