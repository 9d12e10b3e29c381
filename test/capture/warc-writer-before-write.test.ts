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
    const sizesWhenTold: (number | 'absent')[] = [];
    let placed: WrittenExchange | undefined;
    const sizeOf = (file: string) =>
      stat(join(dataDir, file)).then(
        (stats) => stats.size,
        () => 'absent' as const,
      );
    const written = await writer.writeExchange(textExchange('https://example.com/a', 'first answer'), {
      beforeWrite: async (where) => {
        placed = where;
        sizesWhenTold.push(await sizeOf(where.response.file));
      },
    });
    const second = await writer.writeExchange(textExchange('https://example.com/b', 'second answer'), {
      beforeWrite: async (where) => {
        sizesWhenTold.push(await sizeOf(where.response.file));
      },
    });
    await writer.close();
    expect(placed).toEqual(written);
    // A new file appears with its warcinfo and first exchange at once; later ones are appended after.
    expect(sizesWhenTold).toEqual(['absent', written.response.offset + written.response.length]);
    expect(second.response.offset).toBeGreaterThan(written.response.offset + written.response.length);
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
