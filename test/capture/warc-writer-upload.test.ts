import { readdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readResponseRecord, warcFileReader } from '../../src/capture/warc-reader.js';
import { outboxFolder, WarcWriter } from '../../src/capture/warc-writer.js';
import { WarcRecordInvalidError, WarcStoreUnavailableError } from '../../src/errors.js';
import type { DocumentRecord } from '../../src/model/index.js';
import { capturesStoredFirst } from '../../src/pipeline/captures-stored-first.js';
import type { WarcStore } from '../../src/ports.js';
import { openDataDirStore } from '../../src/record/data-dir-store.js';
import { makeTempDataDir, parseWarc, textExchange } from '../support/warc-records.js';

/**
 * A store that takes whole files, as S3 does, in memory: each put waits for `release`
 * while held, and fails while `failing`; `puts` tells every put as it is made.
 */
class HeldStore implements WarcStore {
  readonly folder = undefined;
  readonly files = new Map<string, Buffer>();
  readonly putNames: string[] = [];
  failing = false;
  private held: Promise<void> | undefined;
  private releaseHeld: () => void = () => undefined;
  private putWaiters: (() => void)[] = [];

  hold(): void {
    this.held = new Promise((resolve) => (this.releaseHeld = resolve));
  }
  release(): void {
    this.held = undefined;
    this.releaseHeld();
  }
  /** Resolves at the next put (made or tried). */
  nextPut(): Promise<void> {
    return new Promise((resolve) => this.putWaiters.push(resolve));
  }

  async put(name: string, localPath: string): Promise<void> {
    const waiters = this.putWaiters;
    this.putWaiters = [];
    for (const wake of waiters) wake();
    await this.held;
    if (this.failing) throw new WarcStoreUnavailableError(`memory: put ${name}: the store is down`);
    this.files.set(name, await readFile(localPath));
    this.putNames.push(name);
  }
  readRange(name: string, offset: number, length: number): Promise<Uint8Array> {
    const bytes = this.files.get(name);
    if (!bytes) return Promise.reject(new WarcRecordInvalidError(`memory/${name}: no such WARC file in the store`));
    return Promise.resolve(bytes.subarray(offset, offset + length));
  }
  async *readAll(name: string): AsyncIterable<Uint8Array> {
    const bytes = this.files.get(name);
    if (!bytes) throw new WarcRecordInvalidError(`memory/${name}: no such WARC file in the store`);
    yield await Promise.resolve(bytes);
  }
  list(): Promise<string[]> {
    return Promise.resolve([...this.files.keys()].sort());
  }
  check(): Promise<void> {
    return Promise.resolve();
  }
  location(): string {
    return 'memory';
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

let dataDir: string;
let removeDataDir: () => Promise<void>;
let store: HeldStore;

beforeEach(async () => {
  ({ dataDir, remove: removeDataDir } = await makeTempDataDir());
  store = new HeldStore();
});

afterEach(async () => {
  await removeDataDir();
});

const outboxNames = (): Promise<string[]> => readdir(outboxFolder(dataDir)).catch(() => []);

function recordCiting(file: string, offset: number, length: number): DocumentRecord {
  return {
    schemaVersion: 1,
    docId: 'doc',
    source: { uri: 'file:///doc.html', mediaType: 'text/html', sha256: '0'.repeat(64), bytes: 1 },
    processedAt: '2026-01-01T00:00:00.000Z',
    citations: [
      {
        id: 'link:https://example.com/',
        type: 'link',
        status: 'archived',
        occurrences: [],
        capture: {
          at: '2026-01-01T00:00:00.000Z',
          via: 'page',
          warc: { file, offset, length },
          sha256: '0'.repeat(64),
        },
        checks: [],
      },
    ],
  };
}

describe('WarcWriter with a store that takes whole files (S3)', () => {
  it('writes into the outbox, and a record that names a capture is written only once its file is in the store', async () => {
    const writer = new WarcWriter({ dataDir, store });
    const { response } = await writer.writeExchange(textExchange('https://example.com/', 'page one'));
    const name = response.file.slice('warc/'.length);
    expect(await outboxNames()).toEqual([name]);
    // Readable on this machine already, from the outbox.
    const reader = warcFileReader(store, outboxFolder(dataDir));
    expect((await readResponseRecord(reader, response)).targetUri).toBe('https://example.com/');

    store.hold();
    const records = capturesStoredFirst(openDataDirStore({ dataDir }), (files) => writer.stored(files));
    let written = false;
    const writing = records.documents.write(recordCiting(response.file, response.offset, response.length)).then(() => {
      written = true;
    });
    await store.nextPut();
    // The wait closed the file at once: the next capture goes to a new file, while the record waits.
    const second = await writer.writeExchange(textExchange('https://example.com/two', 'page two'));
    expect(second.response.file).not.toBe(response.file);
    expect(written).toBe(false);
    expect(await records.documents.read('doc')).toBeUndefined();

    store.release();
    await writing;
    expect(await records.documents.read('doc')).toBeDefined();
    expect(store.putNames).toEqual([name]);
    const stored = await parseWarc(store.files.get(name) ?? Buffer.alloc(0));
    expect(stored.map((record) => record.type)).toEqual(['warcinfo', 'request', 'response']);
    // Read from the store now that the outbox gave the file up.
    expect(await outboxNames()).toEqual([second.response.file.slice('warc/'.length)]);
    expect((await readResponseRecord(reader, response)).targetUri).toBe('https://example.com/');

    await writer.close();
    expect(await outboxNames()).toEqual([]);
    expect(await store.list()).toEqual([name, second.response.file.slice('warc/'.length)].sort());
  });

  it('puts a file in the store when it rolls over by size, and when it reaches its age, with nothing waiting', async () => {
    const bySize = new WarcWriter({ dataDir, store, maxFileBytes: 600 });
    const first = await bySize.writeExchange(textExchange('https://example.com/a', 'a'.repeat(400)));
    const put = store.nextPut();
    await bySize.writeExchange(textExchange('https://example.com/b', 'b'.repeat(400)));
    await put;
    expect(store.putNames).toEqual([first.response.file.slice('warc/'.length)]);
    await bySize.close();

    const byAge = new WarcWriter({ dataDir, store, maxFileAgeMs: 50 });
    const agedPut = store.nextPut();
    const aged = await byAge.writeExchange(textExchange('https://example.com/c', 'c'));
    await agedPut;
    await byAge.stored([aged.response.file]);
    expect(store.putNames).toContain(aged.response.file.slice('warc/'.length));
    await byAge.close();
    expect(await outboxNames()).toEqual([]);
  });

  it('keeps a file the store refused in the outbox, says so at close, and the next writer puts it under its own name', async () => {
    store.failing = true;
    const writer = new WarcWriter({ dataDir, store });
    const { response } = await writer.writeExchange(textExchange('https://example.com/', 'kept'));
    await expect(writer.stored([response.file])).rejects.toThrow(/the store is down/);
    await expect(writer.close()).rejects.toThrow(
      /^1 WARC file not put in memory, kept in .*warc-outbox for the next start: memory: put citesnap-.*: the store is down$/,
    );
    const name = response.file.slice('warc/'.length);
    expect(await outboxNames()).toEqual([name]);

    store.failing = false;
    const next = new WarcWriter({ dataDir, store });
    await next.recover();
    expect(store.putNames).toEqual([name]);
    expect(await outboxNames()).toEqual([]);
    await next.close();
  });

  it('cuts a leftover’s half-written last record off before putting it, and leaves files of live processes alone', async () => {
    const writer = new WarcWriter({ dataDir, store });
    const { response } = await writer.writeExchange(textExchange('https://example.com/', 'whole'));
    await writer.close();
    const name = response.file.slice('warc/'.length);
    const whole = store.files.get(name) ?? Buffer.alloc(0);
    store.files.clear();
    store.putNames.length = 0;

    // A process killed mid-write: its file, with a torn record after the whole ones, under a dead pid.
    const outbox = outboxFolder(dataDir);
    const host = hostname().replace(/[^A-Za-z0-9.-]/g, '_');
    const deadName = `citesnap-20260101000000000-${host}-999999999-00000.warc.gz`;
    await writeFile(join(outbox, deadName), Buffer.concat([whole, whole.subarray(0, 40)]));
    // A live process's file (this test runner's parent) is still being written: not a leftover.
    const liveName = `citesnap-20260101000000000-${host}-${process.ppid}-00000.warc.gz`;
    await writeFile(join(outbox, liveName), whole);

    const next = new WarcWriter({ dataDir, store });
    await next.recover();
    expect(store.putNames).toEqual([deadName]);
    expect(store.files.get(deadName)).toEqual(whole);
    expect(await outboxNames()).toEqual([liveName]);
    await next.close();
  });
});
