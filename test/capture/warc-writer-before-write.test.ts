import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readResponseRecord } from '../../src/capture/warc-reader.js';
import { WarcWriter, type WrittenExchange } from '../../src/capture/warc-writer.js';
import { makeTempDataDir, textExchange } from '../support/warc-records.js';

// beforeWrite lets a journal note where a record goes before it is written, so a
// kill during the write never leaves a record that nothing points at.

let dataDir: string;
let removeDataDir: () => Promise<void>;

beforeEach(async () => {
  ({ dataDir, remove: removeDataDir } = await makeTempDataDir());
});

afterEach(async () => {
  await removeDataDir();
});

describe('WarcWriter beforeWrite', () => {
  it('tells where the response record goes before a byte of it is in the file, and the write waits for it', async () => {
    const writer = new WarcWriter({ dataDir });
    let sizeWhenTold = -1;
    let placed: WrittenExchange | undefined;
    const written = await writer.writeExchange(textExchange('https://example.com/a', 'first answer'), {
      beforeWrite: async (where) => {
        placed = where;
        sizeWhenTold = (await stat(join(dataDir, where.response.file))).size;
      },
    });
    await writer.close();
    expect(placed).toEqual(written);
    // Only the warcinfo record was in the file then: the exchange starts where it ended.
    expect(sizeWhenTold).toBeLessThan(written.response.offset);
    expect((await readResponseRecord(dataDir, written.response)).targetUri).toBe('https://example.com/a');
  });

  it('writes nothing of an exchange whose beforeWrite fails, and goes on with the next', async () => {
    const writer = new WarcWriter({ dataDir });
    const failed = writer.writeExchange(textExchange('https://example.com/refused', 'never written'), {
      beforeWrite: () => Promise.reject(new Error('journal not written')),
    });
    await expect(failed).rejects.toThrow('journal not written');
    const next = await writer.writeExchange(textExchange('https://example.com/next', 'written'));
    await writer.close();
    const stored = await readResponseRecord(dataDir, next.response);
    expect([stored.targetUri, Buffer.from(stored.payload).toString()]).toEqual(['https://example.com/next', 'written']);
  });
});
