import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { WARCParser } from 'warcio';
import { errnoCode, WarcRecordInvalidError } from '../errors.js';
import { WARC_FILE_FOLDER, warcStoreName, type WarcLocation } from '../model/index.js';
import type { WarcStore } from '../ports.js';

export interface StoredResponse {
  targetUri: string;
  status: number;
  /**
   * As stored, names in their original case. Decoded by warcio as UTF-8, so a value
   * with non-ASCII bytes may differ from the byte string that was written.
   */
  headers: [string, string][];
  /** The payload as it came off the wire: still Content-Encoded where it was. */
  payload: Uint8Array;
  /** The WARC-Truncated value ('length') when the body cap cut the payload short. */
  truncated?: string;
}

/**
 * Reads the WARC files records point at (`capture.warc.file`, `warc/<name>`): from the
 * store, or first from this machine's outbox, where a file waits while it is being
 * written and until it is in the store (capture/warc-writer.ts).
 */
export interface WarcFileReader {
  /** The bytes at `location`: a record's gzip member. */
  readRange(location: WarcLocation): Promise<Uint8Array>;
  /** The whole file `file` (`warc/<name>`), as it streams in. */
  readAll(file: string): AsyncIterable<Uint8Array>;
}

/** Reads from `store`, and where `outbox` is given, from a file of the same name there first. */
export function warcFileReader(store: WarcStore, outbox?: string): WarcFileReader {
  const local = outbox === undefined ? undefined : new FolderWarcFiles(outbox);
  return {
    async readRange({ file, offset, length }) {
      const name = warcStoreName(file);
      const bytes = await local?.readRange(name, offset, length);
      return bytes ?? store.readRange(name, offset, length);
    },
    async *readAll(file) {
      const name = warcStoreName(file);
      const handle = await local?.open(name);
      if (handle === undefined) {
        yield* store.readAll(name);
        return;
      }
      try {
        for await (const chunk of handle.createReadStream({ autoClose: false })) yield chunk as Buffer;
      } finally {
        await handle.close();
      }
    },
  };
}

/** Reads the data dir's own `warc` folder, the default store, and nothing else. */
export function dataDirWarcReader(dataDir: string): WarcFileReader {
  const folder = join(dataDir, WARC_FILE_FOLDER);
  const files = new FolderWarcFiles(folder);
  return {
    async readRange({ file, offset, length }) {
      const bytes = await files.readRange(warcStoreName(file), offset, length);
      if (bytes === undefined)
        throw new WarcRecordInvalidError(`${join(folder, warcStoreName(file))}: no such WARC file`);
      return bytes;
    },
    async *readAll(file) {
      const handle = await files.open(warcStoreName(file));
      if (handle === undefined)
        throw new WarcRecordInvalidError(`${join(folder, warcStoreName(file))}: no such WARC file`);
      try {
        for await (const chunk of handle.createReadStream({ autoClose: false })) yield chunk as Buffer;
      } finally {
        await handle.close();
      }
    },
  };
}

/**
 * Reads the response record at `location` (a capture's `warc`) back with warcio's
 * WARCParser: only that gzip member is read, not the file around it. `files` is a
 * reader of the WARC store, or a data dir whose `warc` folder is the store.
 */
export async function readResponseRecord(
  files: WarcFileReader | string,
  location: WarcLocation,
): Promise<StoredResponse> {
  const where = `${location.file} at offset ${location.offset}`;
  const member = await (typeof files === 'string' ? dataDirWarcReader(files) : files).readRange(location);

  // keepHeadersCase keeps names as written and repeated headers apart; the default
  // (fetch Headers) would lowercase and join them.
  const record = await new WARCParser([member], { keepHeadersCase: true }).parse();
  const targetUri = record?.warcTargetURI;
  if (!record || record.warcType !== 'response' || !record.httpHeaders || !targetUri) {
    throw new WarcRecordInvalidError(`${where}: no response record there`);
  }
  // readFully(false) is the raw payload; true would undo the Content-Encoding.
  const payload = await record.readFully(false);
  const truncated = record.warcHeader('WARC-Truncated');
  return {
    targetUri,
    status: Number(record.httpHeaders.statusCode),
    headers: [...record.httpHeaders.headers],
    payload,
    ...(truncated ? { truncated } : {}),
  };
}

/** The outbox's files: a file that is not there (yet, or any more) is undefined, so the store is asked. */
class FolderWarcFiles {
  constructor(private readonly folder: string) {}

  async open(name: string): Promise<FileHandle | undefined> {
    try {
      return await open(join(this.folder, name), 'r');
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return undefined;
      throw error;
    }
  }

  async readRange(name: string, offset: number, length: number): Promise<Uint8Array | undefined> {
    const handle = await this.open(name);
    if (handle === undefined) return undefined;
    try {
      const bytes = new Uint8Array(length);
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await handle.read(bytes, filled, length - filled, offset + filled);
        if (bytesRead === 0) {
          throw new WarcRecordInvalidError(
            `${join(this.folder, name)}: the file ends ${length - filled} bytes short of the record at offset ${offset}`,
          );
        }
        filled += bytesRead;
      }
      return bytes;
    } finally {
      await handle.close();
    }
  }
}
