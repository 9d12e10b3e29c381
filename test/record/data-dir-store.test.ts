import { appendFile, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/ports.js';
import { openDataDirStore } from '../../src/record/data-dir-store.js';
import { sidecarPathFor } from '../../src/record/serialize.js';
import type { CheckJournalEntry, DocumentRecord, TargetIndexEntry } from '../../src/model/index.js';
import { storeContract } from './store-contract.js';

const opened: Store[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

/** A store in a new data dir, closed after the test. */
async function freshStore(): Promise<{ dataDir: string; store: Store }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'citesnap-store-'));
  const store = openDataDirStore({ dataDir });
  opened.push(store);
  return { dataDir, store };
}

/** The records of a data dir store, closed after the test. */
function documentsIn(dataDir: string): Store['documents'] {
  const store = openDataDirStore({ dataDir });
  opened.push(store);
  return store.documents;
}

function record(docId: string, marker: string): DocumentRecord {
  return {
    schemaVersion: 1,
    docId,
    source: { uri: `file:///${marker}`, mediaType: 'text/plain', sha256: 'ab'.repeat(32), bytes: marker.length },
    processedAt: '2026-11-29T00:00:00.000Z',
    citations: [],
  };
}

storeContract('the data dir', async (options = {}) => {
  const store = openDataDirStore({ dataDir: await mkdtemp(join(tmpdir(), 'citesnap-store-')), ...options });
  opened.push(store);
  return store;
});

describe('DataDirDocuments', () => {
  it('writes, reads and lists records', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'citesnap-store-'));
    const store = documentsIn(dataDir);
    expect(await store.read('missing')).toBeUndefined();
    expect(await store.list()).toEqual([]);
    await store.write(record('b', 'one'));
    await store.write(record('a', 'two'));
    expect(await store.list()).toEqual(['a', 'b']);
    expect(await store.read('b')).toEqual(record('b', 'one'));
    expect(JSON.parse(await readFile(join(dataDir, 'documents', 'a.json'), 'utf8'))).toEqual(record('a', 'two'));
  });

  it('never lets a reader see half a record while writers race', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'citesnap-store-'));
    const store = documentsIn(dataDir);
    const big = (n: number) => ({ ...record('race', 'x'.repeat(200_000)), processedAt: `writer-${n}` });
    const writes = Array.from({ length: 20 }, (_, n) => store.write(big(n)));
    const reads: Promise<DocumentRecord | undefined>[] = [];
    for (let n = 0; n < 50; n++) reads.push(store.read('race'));
    await Promise.all(writes);
    // Every read either found nothing yet or a whole record: JSON.parse would have thrown on half of one.
    for (const result of await Promise.all(reads)) {
      if (result) expect(result.source.bytes).toBe(200_000);
    }
    expect((await store.read('race'))?.processedAt).toMatch(/^writer-\d+$/);
    expect((await readdir(join(dataDir, 'documents'))).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses a doc id that could escape the data dir', () => {
    const store = documentsIn('/tmp/x');
    expect(() => store.locationOf('../x')).toThrow(/invalid doc id/);
  });
});

describe('sidecarPathFor', () => {
  it.each([
    ['/a/article.html', '/a/article.citations.json'],
    ['/a/article.txt', '/a/article.citations.json'],
    ['/a/article', '/a/article.citations.json'],
    ['/a.b/article', '/a.b/article.citations.json'],
    ['/a/.hidden', '/a/.hidden.citations.json'],
    ['/a/x.tar.gz', '/a/x.tar.citations.json'],
  ])('%s -> %s', (source, expected) => {
    expect(sidecarPathFor(source)).toBe(expected);
  });
});

describe('DataDirDocuments with a damaged record', () => {
  it('names the file and what is wrong', async () => {
    const { writeFile } = await import('node:fs/promises');
    const dataDir = await mkdtemp(join(tmpdir(), 'citesnap-store-'));
    const store = documentsIn(dataDir);
    await store.write(record('edited', 'x'));
    await writeFile(store.locationOf('edited'), '{"docId": "edited", ');
    await expect(store.read('edited')).rejects.toThrow(/documents\/edited\.json: not a readable record \(/);
  });

  it.each([
    ['[]', /edited\.json: not a readable record \(expected a JSON object\)$/],
    ['{"schemaVersion": 2}', /edited\.json: not a readable record \(schemaVersion: expected 1\)$/],
    [
      JSON.stringify({
        ...record('edited', 'x'),
        citations: [{ id: 'tco:x', type: 'link', status: 'fine', occurrences: [], checks: [] }],
      }),
      /\(citations\[0\]\.status: expected one of archived, /,
    ],
    [
      JSON.stringify({
        ...record('edited', 'x'),
        citations: [{ id: 'tco:x', type: 'link', status: 'dead', occurrences: [], checks: [{}] }],
      }),
      /\(citations\[0\]\.checks\[0\]: expected an object with at and status\)$/,
    ],
  ])('checks a record read back against the schema: %s', async (text, message) => {
    const { writeFile } = await import('node:fs/promises');
    const dataDir = await mkdtemp(join(tmpdir(), 'citesnap-store-'));
    const store = documentsIn(dataDir);
    await store.write(record('edited', 'x'));
    await writeFile(store.locationOf('edited'), text);
    await expect(store.read('edited')).rejects.toThrow(message);
  });
});

describe("a target's file in the data dir's index", () => {
  const checkedAt = '2026-11-29T00:00:00.000Z';
  const outcome: TargetIndexEntry = {
    key: 'post:20',
    checkedAt,
    outcome: { kind: 'post', check: { checkedAt, status: 'deleted', sources: [] } as never },
  };
  const journal = (answers: number): CheckJournalEntry => ({
    key: 'journal:post:20',
    checkedAt,
    outcome: {
      answers: Array.from({ length: answers }, (_, n) => ({
        url: `https://cdn.syndication.twimg.com/tweet-result?id=20&n=${n}`,
        recorded: { at: checkedAt, warc: { file: 'warc/x.warc.gz', offset: n, length: 1 }, sha256: 'ef'.repeat(32) },
      })),
    },
  });
  const filesIn = async (dataDir: string) =>
    (await readdir(join(dataDir, 'index'), { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name));

  it('holds the outcome and the journal of a check in progress in one file, the outcome ending the journal', async () => {
    const { dataDir, store } = await freshStore();
    await store.targets.put(outcome);
    await store.journals.put(journal(1));
    await store.journals.put(journal(2));
    expect(await store.targets.get('post:20')).toEqual(outcome);
    expect(await store.journals.get('journal:post:20')).toEqual(journal(2));
    expect(await filesIn(dataDir)).toHaveLength(1);

    const newer = { ...outcome, checkedAt: '2026-11-30T00:00:00.000Z' };
    await store.targets.put(newer);
    expect(await store.journals.get('journal:post:20')).toBeUndefined();
    await store.journals.delete('journal:post:20'); // the checker ends the journal after the outcome: nothing left to do
    expect(await store.targets.get('post:20')).toEqual(newer);
  });

  it('keeps a target file small: past 16 KiB the next outcome replaces it whole', async () => {
    const { dataDir, store } = await freshStore();
    const sizes: number[] = [];
    for (let day = 1; day <= 60; day++) {
      const checked = `2026-10-${String(1 + (day % 28)).padStart(2, '0')}T00:00:00.000Z`;
      await store.journals.put(journal(3));
      await store.targets.put({ ...outcome, checkedAt: checked });
      expect(await store.targets.get('post:20')).toEqual({ ...outcome, checkedAt: checked });
      const [file = ''] = await filesIn(dataDir);
      sizes.push((await readFile(file)).byteLength);
    }
    expect(Math.max(...sizes)).toBeLessThan(16_384 + 2_000);
    // It was replaced whole at least once (it shrank), and so more than once over 60 checks.
    expect(sizes.filter((size, day) => day > 0 && size < (sizes[day - 1] ?? 0)).length).toBeGreaterThan(1);
  });

  it('leaves the journal of a check whose outcome a crash cut short, so the next check replays it', async () => {
    const { dataDir, store } = await freshStore();
    await store.targets.put(outcome);
    await store.journals.put(journal(2));
    const [file = ''] = await filesIn(dataDir);
    const newer = { ...outcome, checkedAt: '2026-11-30T00:00:00.000Z' };
    await appendFile(file, `\n${JSON.stringify(newer).slice(0, 60)}`);
    expect(await store.targets.get('post:20')).toEqual(outcome);
    expect(await store.journals.get('journal:post:20')).toEqual(journal(2));
  });

  it('removes a journal without touching the outcome, and the file of a target with neither', async () => {
    const { dataDir, store } = await freshStore();
    await store.targets.put(outcome);
    await store.journals.put(journal(1));
    await store.journals.delete('journal:post:20');
    expect(await store.journals.get('journal:post:20')).toBeUndefined();
    expect(await store.targets.get('post:20')).toEqual(outcome);

    await store.journals.put({ ...journal(1), key: 'journal:post:21' });
    expect(await filesIn(dataDir)).toHaveLength(2);
    await store.journals.delete('journal:post:21');
    expect(await filesIn(dataDir)).toHaveLength(1);
  });

  it('reads past a line a crash cut short, and an append after it is whole', async () => {
    const { dataDir, store } = await freshStore();
    await store.targets.put(outcome);
    await store.journals.put(journal(1));
    const [file = ''] = await filesIn(dataDir);
    // A process killed mid-append leaves a line without its end.
    await appendFile(file, `\n${JSON.stringify(journal(2)).slice(0, 40)}`);
    expect(await store.journals.get('journal:post:20')).toEqual(journal(1));
    await store.journals.put(journal(3));
    expect(await store.journals.get('journal:post:20')).toEqual(journal(3));
    expect(await store.targets.get('post:20')).toEqual(outcome);
  });

  it('reads the file once for an outcome and the journal after it, and a write since is seen', async () => {
    const { store } = await freshStore();
    await store.targets.put(outcome);
    await store.journals.put(journal(1));
    // A check reads the outcome after taking the claim, then the journal.
    expect(await store.targets.get('post:20')).toEqual(outcome);
    expect(await store.journals.get('journal:post:20')).toEqual(journal(1));
    expect(await store.targets.get('post:20')).toEqual(outcome);
    await store.journals.put(journal(2));
    expect(await store.journals.get('journal:post:20')).toEqual(journal(2));
    expect(await store.targets.get('post:20')).toEqual(outcome);
    await store.targets.put({ ...outcome, checkedAt: '2026-11-30T00:00:00.000Z' });
    expect(await store.journals.get('journal:post:20')).toBeUndefined();
  });

  it('reads a target file of the layout before journals shared it (one outcome, no newline at its end)', async () => {
    const { dataDir, store } = await freshStore();
    await store.targets.put(outcome);
    const [file = ''] = await filesIn(dataDir);
    await writeFile(file, JSON.stringify(outcome));
    expect(await store.targets.get('post:20')).toEqual(outcome);
    await store.journals.put(journal(1));
    expect(await store.journals.get('journal:post:20')).toEqual(journal(1));
    expect(await store.targets.get('post:20')).toEqual(outcome);
  });
});
