import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/ports.js';
import { openDataDirStore } from '../../src/record/data-dir-store.js';
import { sidecarPathFor } from '../../src/record/serialize.js';
import type { DocumentRecord } from '../../src/model/index.js';
import { storeContract } from './store-contract.js';

const opened: Store[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

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
