import { randomUUID } from 'node:crypto';
import { link, mkdir, open, stat, unlink, type FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip, gzipSync } from 'node:zlib';
import {
  asError,
  errnoCode,
  messageOf,
  storageWriteError,
  WarcStoreUnavailableError,
  WarcWriterClosedError,
} from '../errors.js';
import { recordedWarcFile, WARC_FILE_FOLDER, warcFileName, type WarcLocation } from '../model/index.js';
import type { WarcStore } from '../ports.js';
import { VERSION } from '../version.js';
import { buildExchangeRecords, buildWarcinfoRecord, type WarcExchange, type WarcinfoFields } from './warc-format.js';
import { FILE_NAME_HOST, outboxFolder, storeOutboxFile, uploadLeftovers, writingNow } from './warc-outbox.js';

export type { WarcExchange } from './warc-format.js';
export { outboxFolder } from './warc-outbox.js';

const DEFAULT_MAX_FILE_BYTES = 1024 ** 3;

const gzipAsync = promisify(gzip);

/**
 * Records up to this size are compressed on the main thread. An asynchronous gzip
 * costs a zlib stream and a hand-off to the thread pool: for the small records most
 * exchanges make (a request, a post's JSON, a redirect) about seven times the CPU of
 * the compression itself (measured: 250 against 33 microseconds for 1 KB). Bigger
 * bodies go to the thread pool so that one large page never holds the event loop.
 */
const SYNC_GZIP_MAX_BYTES = 64 * 1024;

/** One gzip member of `record`, as `gzip` makes it either way. */
function gzipMember(record: Uint8Array): Promise<Buffer> {
  if (record.byteLength <= SYNC_GZIP_MAX_BYTES) {
    try {
      return Promise.resolve(gzipSync(record));
    } catch (error) {
      return Promise.reject(asError(error));
    }
  }
  return gzipAsync(record);
}

/**
 * Names given to the writers of this process. A name is taken when its file is first
 * written, so two writers of one process (same host, pid and clock) must not both
 * pick a name that is still free on disk; other processes differ in host or pid.
 */
const namesGivenInThisProcess = new Set<string>();

export interface WarcWriterOptions {
  /** Without `store`, WARC files go to `<dataDir>/warc/`, created when missing. */
  dataDir: string;
  /**
   * The WARC store (contract section 12). A folder store is written in place; any
   * other (S3) gets each file whole once it is closed, from `<dataDir>/warc-outbox/`,
   * where the writer keeps its files until then. Default: the data dir's `warc` folder.
   */
  store?: WarcStore;
  /**
   * A new file is started when the next exchange would take the current one past
   * this size. An exchange is never split, so a file holding a single exchange may
   * be larger. Default: 1 GiB.
   */
  maxFileBytes?: number;
  /** A file is closed (and put in the store) this long after it was opened, however little it holds. Default: never. */
  maxFileAgeMs?: number;
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
  /** Where it is on this machine: what an error names. */
  path: string;
  /** Open once the file exists under its name, i.e. once its first exchange is written with its warcinfo. */
  handle: FileHandle | undefined;
  /** The gzipped warcinfo record, until the file exists: it is written with the first exchange, in one go. */
  warcinfo: Buffer | undefined;
  /** The file's name in the store. */
  name: string;
  /** Closes the file when it has been open for maxFileAgeMs. */
  ageTimer: NodeJS.Timeout | undefined;
  /** Bytes written so far (the warcinfo counted from the start), which is where the next gzip member starts. */
  size: number;
  /** False while the file holds only its warcinfo record: such a file takes the next exchange, however big. */
  holdsExchanges: boolean;
}

/** A closed file of the outbox, on its way to the store. */
interface UnstoredFile {
  name: string;
  localPath: string;
  /** The put in flight; undefined before the first or after a failed one (the next wait tries again). */
  attempt: Promise<void> | undefined;
}

/**
 * Appends request/response records to WARC 1.1 files, one gzip member a record,
 * each file opened by a warcinfo record and rolled over by size (and age, when set).
 *
 * Make one writer a process. Writes go through a queue inside the writer, so
 * concurrent calls never interleave bytes and every offset is exact. Processes
 * sharing a data dir never share a file: names carry host, pid and a sequence
 * number, a name that already exists is skipped, and a file comes into being under
 * its name by a hard link, which never replaces another.
 *
 * A WARC file appears only whole: its warcinfo record and its first exchange are
 * written to a hidden temp file, flushed, and linked into place; a write that fails
 * (a full disk) removes the temp file, so no empty or warcinfo-only file is left, and
 * a failed append to an existing file is cut off again.
 *
 * With a store that takes whole files (S3), a file goes there once closed, under the
 * name it was written as, and `stored()` is what a record waits on before it names a
 * capture (contract section 12: nothing is reported archived before every machine
 * can read it). Files a killed process left in the outbox are put there first.
 */
export class WarcWriter {
  private readonly warcDir: string;
  /** The store files are put in whole; undefined when files are written in place (a folder store). */
  private readonly uploadTo: WarcStore | undefined;
  private readonly maxFileBytes: number;
  private readonly maxFileAgeMs: number | undefined;
  private readonly unstored = new Map<string, UnstoredFile>();
  /** The outbox's leftovers put in the store (and the store checked); undefined until started, or after a failure. */
  private recovery: Promise<void> | undefined;
  private readonly software: string;
  private readonly now: () => Date;
  private readonly newRecordId: () => string;
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
    const maxFileAgeMs = options.maxFileAgeMs;
    if (maxFileAgeMs !== undefined && (!Number.isSafeInteger(maxFileAgeMs) || maxFileAgeMs <= 0)) {
      throw new RangeError(`maxFileAgeMs must be a positive whole number, got ${maxFileAgeMs}`);
    }
    const store = options.store;
    this.uploadTo = store !== undefined && store.folder === undefined ? store : undefined;
    this.warcDir =
      store === undefined ? join(options.dataDir, WARC_FILE_FOLDER) : (store.folder ?? outboxFolder(options.dataDir));
    this.maxFileBytes = maxFileBytes;
    this.maxFileAgeMs = maxFileAgeMs;
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

  /**
   * Resolves once every file among `files` (records' `warc/<name>`) that this writer
   * wrote is in the store, closing the one still open at once: a record that names
   * a capture waits on this first. Files written in place (a folder store) are
   * readable by all as soon as a write resolves; other files are not this writer's
   * (an earlier capture reused) and are in the store already, once the outbox's
   * leftovers are (a check cut short by a kill may be taken up from them).
   */
  async stored(files: Iterable<string>): Promise<void> {
    if (this.uploadTo === undefined) return;
    await this.recover();
    const wanted = new Set(files);
    const open = this.currentFile;
    if (open !== undefined && wanted.has(open.relativePath)) await this.enqueue(() => this.closeFile(open));
    await Promise.all([...wanted].map((file) => this.putInStore(file)));
  }

  /**
   * Starts putting the outbox's leftovers in the store (after checking it), if not
   * begun; `stored()` and `close()` wait for it. Call it at start, so a misconfigured
   * store stops a command before it fetches anything and a killed run's files go up.
   */
  recover(): Promise<void> {
    const store = this.uploadTo;
    if (store === undefined) return Promise.resolve();
    this.recovery ??= (async () => {
      await store.check();
      // A live writer's file is written to or closed within maxFileAgeMs: one untouched for twice that and a minute is no one's.
      await uploadLeftovers(this.warcDir, store, {
        staleAfterMs: this.maxFileAgeMs === undefined ? undefined : 2 * this.maxFileAgeMs + 60_000,
      });
    })().catch((error: unknown) => {
      this.recovery = undefined;
      throw error;
    });
    return this.recovery;
  }

  /**
   * Waits for the writes already called, then closes the file; with an S3 store, waits
   * until every file is in the store (one that cannot be put stays in the outbox, for
   * the next start, and close throws). Calling it again returns the same promise.
   */
  close(): Promise<void> {
    this.closing ??= this.enqueue(async () => {
      const file = this.currentFile;
      if (file !== undefined) await this.closeFile(file);
    }).then(async () => {
      if (this.uploadTo === undefined) return;
      const store = this.uploadTo;
      const [recovered, ...puts] = await Promise.allSettled([
        this.recover(),
        ...[...this.unstored.keys()].map((file) => this.putInStore(file)),
      ]);
      const failed = puts.filter((result) => result.status === 'rejected');
      // Given up by this writer: whoever starts next on this data dir takes them for leftovers.
      for (const file of this.unstored.values()) writingNow.delete(file.localPath);
      const reason: unknown =
        failed[0]?.reason ?? (recovered?.status === 'rejected' ? (recovered.reason as unknown) : undefined);
      if (failed.length > 0) {
        throw new WarcStoreUnavailableError(
          `${failed.length} WARC file${failed.length === 1 ? '' : 's'} not put in ${store.location()}, kept in ${this.warcDir} for the next start: ${messageOf(reason)}`,
          { cause: reason },
        );
      }
      if (reason !== undefined) throw asError(reason);
    });
    return this.closing;
  }

  /** Closes `file` if it is still the open one (a roll-over by size, by age, or a record waiting), and sends it to the store. */
  private async closeFile(file: OpenWarcFile): Promise<void> {
    if (this.currentFile !== file) return;
    this.currentFile = undefined;
    clearTimeout(file.ageTimer);
    if (file.handle === undefined) {
      // Named but never written: no file, nothing to store.
      writingNow.delete(file.path);
      return;
    }
    await file.handle.close();
    this.sendToStore(file);
  }

  /** A closed file starts on its way to the store at once; a failure is retried by the next `stored()` or `close()`. */
  private sendToStore(file: OpenWarcFile): void {
    if (this.uploadTo === undefined) return;
    this.unstored.set(file.relativePath, { name: file.name, localPath: file.path, attempt: undefined });
    this.putInStore(file.relativePath).catch(() => undefined);
  }

  /** The put of a closed file of this writer; resolved for one already stored or not this writer's. */
  private putInStore(file: string): Promise<void> {
    const unstored = this.unstored.get(file);
    const store = this.uploadTo;
    if (unstored === undefined || store === undefined) return Promise.resolve();
    unstored.attempt ??= storeOutboxFile(store, unstored.name, unstored.localPath).then(
      () => {
        this.unstored.delete(file);
      },
      (error: unknown) => {
        unstored.attempt = undefined;
        throw error;
      },
    );
    return unstored.attempt;
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
        batch.map(async (item) => Promise.all([gzipMember(item.requestRecord), gzipMember(item.responseRecord)])),
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
    if (current) await this.closeFile(current);
    this.currentFile = await this.nextFile();
    return this.currentFile;
  }

  /**
   * The next file, named but not created yet: its name is free now (one taken by
   * another process is skipped), and the first append creates it.
   */
  private async nextFile(): Promise<OpenWarcFile> {
    try {
      await mkdir(this.warcDir, { recursive: true });
    } catch (error) {
      throw storageWriteError(this.warcDir, error);
    }
    const date = this.now();
    for (;;) {
      const name = warcFileName(date, FILE_NAME_HOST, process.pid, this.nextFileSequence++);
      const path = join(this.warcDir, name);
      if (namesGivenInThisProcess.has(path)) continue;
      namesGivenInThisProcess.add(path);
      if (await exists(path)) continue;
      // Mine from before it exists until it is in the store: no other writer of this process takes it for a leftover.
      if (this.uploadTo !== undefined) writingNow.add(path);
      const warcinfo = buildWarcinfoRecord({
        recordId: this.newRecordId(),
        date,
        filename: name,
        fields: this.warcinfoFields(),
      });
      const member = await gzipMember(warcinfo);
      const file: OpenWarcFile = {
        relativePath: recordedWarcFile(name),
        name,
        path,
        handle: undefined,
        warcinfo: member,
        ageTimer: undefined,
        size: member.byteLength,
        holdsExchanges: false,
      };
      if (this.maxFileAgeMs !== undefined) {
        file.ageTimer = setTimeout(
          () => void this.enqueue(() => this.closeFile(file)).catch(() => undefined),
          this.maxFileAgeMs,
        );
        // The timer alone keeps no process alive: close() closes the file anyway.
        file.ageTimer.unref();
      }
      return file;
    }
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

  /** Appends `bytes` (whole gzip members) and flushes them; the first append creates the file. Errors name the file. */
  private async appendToFile(file: OpenWarcFile, bytes: Uint8Array): Promise<void> {
    if (file.handle === undefined) {
      await this.createFile(file, bytes);
      return;
    }
    try {
      await writeFully(file.handle, bytes, file.size);
      await file.handle.datasync();
    } catch (error) {
      await this.abandonFile(file);
      throw storageWriteError(file.path, error);
    }
    file.size += bytes.byteLength;
  }

  /**
   * Writes the warcinfo record and the first exchanges to a hidden temp file, flushes
   * it, and links it under the file's name: the file never exists without them. The
   * temp file's handle then serves the appends (a hard link is the same file).
   */
  private async createFile(file: OpenWarcFile, bytes: Uint8Array): Promise<void> {
    const warcinfo = file.warcinfo ?? Buffer.alloc(0);
    const temp = join(this.warcDir, `.${basename(file.path)}.${randomUUID()}.tmp`);
    let handle: FileHandle | undefined;
    try {
      handle = await open(temp, 'wx');
      await writeFully(handle, Buffer.concat([warcinfo, bytes]), 0);
      await handle.datasync();
      // Fails with EEXIST where the name was taken since: never someone else's file.
      await link(temp, file.path);
    } catch (error) {
      if (this.currentFile === file) this.currentFile = undefined;
      clearTimeout(file.ageTimer);
      writingNow.delete(file.path);
      await handle?.close().catch(() => undefined);
      await unlink(temp).catch(() => undefined);
      throw storageWriteError(file.path, error);
    }
    await unlink(temp).catch(() => undefined);
    file.handle = handle;
    file.warcinfo = undefined;
    file.size = warcinfo.byteLength + bytes.byteLength;
  }

  /**
   * After a failed append (a full disk, a lost mount): cut the partial member off so
   * the file stays a valid WARC, and start the next write in a new file. Errors
   * here are dropped because the write's own error is the one the caller needs.
   */
  private async abandonFile(file: OpenWarcFile): Promise<void> {
    if (this.currentFile === file) this.currentFile = undefined;
    clearTimeout(file.ageTimer);
    await file.handle?.truncate(file.size).catch(() => undefined);
    await file.handle?.close().catch(() => undefined);
    // What it held before the failed append is captures all the same: it goes to the store.
    if (file.handle !== undefined) this.sendToStore(file);
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

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return false;
    throw error;
  }
}
