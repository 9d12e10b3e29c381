import { randomUUID } from 'node:crypto';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { isErrnoException, WarcWriterClosedError } from '../errors.js';
import type { WarcLocation } from '../model/index.js';
import { VERSION } from '../version.js';
import { buildExchangeRecords, buildWarcinfoRecord, type WarcExchange, type WarcinfoFields } from './warc-format.js';

export type { WarcExchange } from './warc-format.js';

/** WARC files live in this folder of the data dir. */
const WARC_FOLDER = 'warc';

const DEFAULT_MAX_FILE_BYTES = 1024 ** 3;

const gzipAsync = promisify(gzip);

export interface WarcWriterOptions {
  /** WARC files go to `<dataDir>/warc/`, created when missing. */
  dataDir: string;
  /**
   * A new file is started when the next exchange would take the current one past
   * this size. An exchange is never split, so a file holding a single exchange may
   * be larger. Default: 1 GiB.
   */
  maxFileBytes?: number;
  /** The warcinfo `software` field. Default: `citesnap/<package version>`. */
  software?: string;
  /** The clock for warcinfo dates and file names. Default: the system clock. */
  now?: () => Date;
  /** Record ids, `urn:uuid:...` (written inside `<>`). Default: random UUIDs. */
  newRecordId?: () => string;
}

export interface WrittenExchange {
  /** Where the response record's gzip member is. */
  response: WarcLocation;
  /** The response's WARC-Payload-Digest: `sha256:<lowercase hex>` of the body as stored. */
  payloadSha256: string;
}

export interface WriteExchangeOptions {
  /**
   * Called once the response record's place (file, offset, length) is decided, before
   * a byte of the exchange is written; the write waits for it, and is not made when
   * it fails. Lets a journal note where the record goes ahead of it, so that a crash
   * anywhere during the write leaves either a note and a record that can be checked
   * for, or neither.
   */
  beforeWrite?: (placed: WrittenExchange) => Promise<void>;
}

interface PendingExchange {
  requestRecord: Uint8Array;
  responseRecord: Uint8Array;
  payloadSha256: string;
  beforeWrite: WriteExchangeOptions['beforeWrite'];
  resolve: (location: WarcLocation) => void;
  reject: (error: unknown) => void;
}

interface OpenWarcFile {
  /** Relative to the data dir, with forward slashes on every platform: what a WarcLocation names. */
  relativePath: string;
  handle: FileHandle;
  /** Bytes written so far, which is where the next gzip member starts. */
  size: number;
  /** False while the file holds only its warcinfo record: such a file takes the next exchange, however big. */
  holdsExchanges: boolean;
}

/**
 * Appends request/response records to WARC 1.1 files, one gzip member a record,
 * each file opened by a warcinfo record and rolled over by size.
 *
 * Make one writer a process. Writes go through a queue inside the writer, so
 * concurrent calls never interleave bytes and every offset is exact. Processes
 * sharing a data dir never share a file: names carry host, pid and a sequence
 * number, files are created with 'wx', and a name that already exists is skipped.
 */
export class WarcWriter {
  private readonly warcDir: string;
  private readonly maxFileBytes: number;
  private readonly software: string;
  private readonly now: () => Date;
  private readonly newRecordId: () => string;
  private readonly fileNameHost = hostname().replace(/[^A-Za-z0-9.-]/g, '_');
  private nextFileSequence = 0;
  private currentFile: OpenWarcFile | undefined;
  /** The end of the write queue. It never rejects, so one failed write does not stop those behind it. */
  private queueTail: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | undefined;
  /** Exchanges waiting for the next flush, and whether one is queued already. */
  private pending: PendingExchange[] = [];
  private flushQueued = false;

  constructor(options: WarcWriterOptions) {
    const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    if (!Number.isSafeInteger(maxFileBytes) || maxFileBytes <= 0) {
      throw new RangeError(`maxFileBytes must be a positive whole number, got ${maxFileBytes}`);
    }
    this.warcDir = join(options.dataDir, WARC_FOLDER);
    this.maxFileBytes = maxFileBytes;
    this.software = options.software ?? `citesnap/${VERSION}`;
    this.now = options.now ?? (() => new Date());
    this.newRecordId = options.newRecordId ?? (() => `urn:uuid:${randomUUID()}`);
  }

  /**
   * Writes the exchange's request and response records, in that order, into one
   * file, and resolves once they are on disk (flushed with fdatasync), so a
   * document record that points at them never outlives them in a crash.
   */
  async writeExchange(exchange: WarcExchange, options: WriteExchangeOptions = {}): Promise<WrittenExchange> {
    if (this.closing) {
      throw new WarcWriterClosedError('WarcWriter.writeExchange() called after close()');
    }
    const records = buildExchangeRecords(exchange, { request: this.newRecordId(), response: this.newRecordId() });
    const response = await new Promise<WarcLocation>((resolve, reject) => {
      this.pending.push({
        requestRecord: records.request,
        responseRecord: records.response,
        payloadSha256: records.payloadSha256,
        beforeWrite: options.beforeWrite,
        resolve,
        reject,
      });
      if (!this.flushQueued) {
        this.flushQueued = true;
        void this.enqueue(() => this.flushPending());
      }
    });
    return { response, payloadSha256: records.payloadSha256 };
  }

  /** Waits for the writes already called, then closes the file. Calling it again returns the same promise. */
  close(): Promise<void> {
    this.closing ??= this.enqueue(async () => {
      const file = this.currentFile;
      this.currentFile = undefined;
      await file?.handle.close();
    });
    return this.closing;
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queueTail.then(task);
    this.queueTail = result.catch(() => undefined);
    return result;
  }

  /**
   * Writes every exchange waiting at this moment: compressed side by side, then
   * appended with one write and one fdatasync a file (group commit). Under load
   * that is one flush for many exchanges instead of one each; alone, it is one.
   */
  private async flushPending(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    this.flushQueued = false;
    let members: [Buffer, Buffer][];
    try {
      members = await Promise.all(
        batch.map(async (item) => Promise.all([gzipAsync(item.requestRecord), gzipAsync(item.responseRecord)])),
      );
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    let run:
      | {
          file: OpenWarcFile;
          chunks: Buffer[];
          items: { item: PendingExchange; location: WarcLocation }[];
          size: number;
        }
      | undefined;
    const writeRun = async (): Promise<void> => {
      if (!run) return;
      const { file, chunks, items } = run;
      run = undefined;
      try {
        await Promise.all(
          items.map(
            ({ item, location }) =>
              item.beforeWrite?.({ response: location, payloadSha256: item.payloadSha256 }) ?? Promise.resolve(),
          ),
        );
        await this.appendToFile(file, Buffer.concat(chunks));
        file.holdsExchanges = true;
        for (const { item, location } of items) item.resolve(location);
      } catch (error) {
        for (const { item } of items) item.reject(error);
      }
    };
    for (const [index, item] of batch.entries()) {
      const [requestMember, responseMember] = members[index]!;
      const byteCount = requestMember.byteLength + responseMember.byteLength;
      try {
        // Roll over as fileWithRoomFor does: a file that holds an exchange takes no pair past the limit.
        if (run && (run.file.holdsExchanges || run.items.length > 0) && run.size + byteCount > this.maxFileBytes)
          await writeRun();
        if (!run) {
          const file = await this.fileWithRoomFor(byteCount);
          run = { file, chunks: [], items: [], size: file.size };
        }
      } catch (error) {
        item.reject(error);
        continue;
      }
      const offset = run.size + requestMember.byteLength;
      run.chunks.push(requestMember, responseMember);
      run.items.push({ item, location: { file: run.file.relativePath, offset, length: responseMember.byteLength } });
      run.size += byteCount;
    }
    await writeRun();
  }

  private async fileWithRoomFor(byteCount: number): Promise<OpenWarcFile> {
    const current = this.currentFile;
    if (current && !(current.holdsExchanges && current.size + byteCount > this.maxFileBytes)) {
      return current;
    }
    if (current) {
      this.currentFile = undefined;
      await current.handle.close();
    }
    this.currentFile = await this.openNextFile();
    return this.currentFile;
  }

  private async openNextFile(): Promise<OpenWarcFile> {
    await mkdir(this.warcDir, { recursive: true });
    const date = this.now();
    for (;;) {
      const name = this.fileName(date, this.nextFileSequence++);
      let handle: FileHandle;
      try {
        // 'wx' fails where the name exists: never append to another process's file.
        handle = await open(join(this.warcDir, name), 'wx');
      } catch (error) {
        if (isAlreadyExistsError(error)) continue;
        throw error;
      }
      const file: OpenWarcFile = { relativePath: `${WARC_FOLDER}/${name}`, handle, size: 0, holdsExchanges: false };
      const warcinfo = buildWarcinfoRecord({
        recordId: this.newRecordId(),
        date,
        filename: name,
        fields: this.warcinfoFields(),
      });
      await this.appendToFile(file, await gzipAsync(warcinfo));
      return file;
    }
  }

  /** `citesnap-<UTC yyyymmddhhmmssSSS>-<host>-<pid>-<sequence>.warc.gz` */
  private fileName(date: Date, sequence: number): string {
    const utcStamp = date.toISOString().replace(/\D/g, '');
    return `citesnap-${utcStamp}-${this.fileNameHost}-${process.pid}-${String(sequence).padStart(5, '0')}.warc.gz`;
  }

  /** What the file was written by; nothing about the data dir, which may be mounted elsewhere later. */
  private warcinfoFields(): WarcinfoFields {
    return [
      ['software', this.software],
      ['format', 'WARC File Format 1.1'],
      ['conformsTo', 'https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/'],
      ['hostname', hostname()],
      ['pid', String(process.pid)],
    ];
  }

  private async appendToFile(file: OpenWarcFile, bytes: Uint8Array): Promise<void> {
    try {
      await writeFully(file.handle, bytes, file.size);
      await file.handle.datasync();
    } catch (error) {
      await this.abandonFile(file);
      throw error;
    }
    file.size += bytes.byteLength;
  }

  /**
   * After a failed write (a full disk, a lost mount): cut the partial member off so
   * the file stays a valid WARC, and start the next write in a new file. Errors
   * here are dropped because the write's own error is the one the caller needs.
   */
  private async abandonFile(file: OpenWarcFile): Promise<void> {
    if (this.currentFile === file) this.currentFile = undefined;
    await file.handle.truncate(file.size).catch(() => undefined);
    await file.handle.close().catch(() => undefined);
  }
}

/** A write to a file may be partial (a signal, a quota); keep going until every byte is written. */
async function writeFully(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let written = 0;
  while (written < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, written, bytes.byteLength - written, position + written);
    written += bytesWritten;
  }
}

function isAlreadyExistsError(error: unknown): boolean {
  return isErrnoException(error) && error.code === 'EEXIST';
}
