import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { WarcRecordInvalidError } from '../../src/errors.js';
import type { WarcStore } from '../../src/ports.js';
import { openWarcStore } from '../../src/warc-store/index.js';
import { startLocalS3, type LocalS3 } from '../support/s3-server.js';

const BYTES = Buffer.from('0123456789'.repeat(100));

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

let s3: LocalS3;
let work: string;

beforeAll(async () => {
  s3 = await startLocalS3(['warcs']);
  work = await mkdtemp(join(tmpdir(), 'citesnap-warc-store-'));
  await writeFile(join(work, 'closed.warc.gz'), BYTES);
});

afterAll(async () => {
  await s3.close();
  await rm(work, { recursive: true, force: true });
});

// The same promises of the WarcStore port, from each store CITESNAP_WARC_STORE can name.
describe.each([
  { kind: 'a folder', setting: () => join(work, 'shared-warc') },
  { kind: 'an S3 prefix', setting: () => 's3://warcs/newsroom/2026' },
  { kind: 'an S3 bucket top', setting: () => 's3://warcs' },
])('the WARC store in $kind', ({ setting }) => {
  let store: WarcStore;

  beforeAll(async () => {
    store = openWarcStore(loadConfig({ CITESNAP_WARC_STORE: setting(), ...s3.env }).warcStore);
    await store.check();
  });

  afterAll(async () => {
    await store.close();
  });

  it('takes a closed file whole, reads it back by byte range and whole, and lists it', async () => {
    await store.put('citesnap-1.warc.gz', join(work, 'closed.warc.gz'));
    expect(Buffer.from(await store.readRange('citesnap-1.warc.gz', 95, 10))).toEqual(BYTES.subarray(95, 105));
    expect(await collect(store.readAll('citesnap-1.warc.gz'))).toEqual(BYTES);
    expect(await store.list()).toContain('citesnap-1.warc.gz');
    // Put again under the same name (a kill after the put, before the outbox forgot it): one file, same bytes.
    await store.put('citesnap-1.warc.gz', join(work, 'closed.warc.gz'));
    expect((await store.list()).filter((name) => name === 'citesnap-1.warc.gz')).toHaveLength(1);
  });

  it('says which file is missing, or ends before a record, as a WARC record that is not there', async () => {
    await expect(store.readRange('citesnap-none.warc.gz', 0, 10)).rejects.toThrow(WarcRecordInvalidError);
    await expect(store.readRange('citesnap-none.warc.gz', 0, 10)).rejects.toThrow(/citesnap-none\.warc\.gz/);
    await expect(collect(store.readAll('citesnap-none.warc.gz'))).rejects.toThrow(WarcRecordInvalidError);
    await store.put('citesnap-2.warc.gz', join(work, 'closed.warc.gz'));
    await expect(store.readRange('citesnap-2.warc.gz', BYTES.length - 5, 10)).rejects.toThrow(WarcRecordInvalidError);
  });
});

describe('an S3 store that cannot be used', () => {
  it('names the missing bucket as configuration (a UsageError: exit 2)', async () => {
    const store = openWarcStore(loadConfig({ CITESNAP_WARC_STORE: 's3://no-such-bucket/x', ...s3.env }).warcStore);
    await expect(store.check()).rejects.toThrow(
      `CITESNAP_WARC_STORE: s3://no-such-bucket/x at ${s3.endpoint}: no such bucket "no-such-bucket"`,
    );
    await store.close();
  });

  it('leaves the outbox folder of a folder store alone: a folder is written in place', async () => {
    const store = openWarcStore(loadConfig({ CITESNAP_DATA_DIR: join(work, 'data') }).warcStore);
    expect(store.folder).toBe(join(work, 'data', 'warc'));
    await store.check();
    expect(await readdir(join(work, 'data'))).toEqual(['warc']);
  });
});
