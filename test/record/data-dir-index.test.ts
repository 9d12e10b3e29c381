import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Citation, DocumentRecord, Status, TargetIndexEntry } from '../../src/model/index.js';
import type { Store } from '../../src/ports.js';
import { openDataDirStore } from '../../src/record/data-dir-store.js';
import { DataDirIndex } from '../../src/record/data-dir-index.js';

const opened: { close(): unknown }[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

async function newStore(
  options: Omit<Parameters<typeof openDataDirStore>[0], 'dataDir'> = {},
): Promise<{ store: Store; dataDir: string; index: DataDirIndex }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'citesnap-index-'));
  const store = openDataDirStore({ dataDir, ...options });
  opened.push(store);
  // The same files seen from another process, to play a writer that stops half-way.
  return { store, dataDir, index: new DataDirIndex({ dataDir }) };
}

function post(id: string, checks: [string, Status][]): Citation {
  return {
    id: `post:${id}`,
    type: 'post',
    status: checks.at(-1)?.[1] ?? 'unidentified',
    occurrences: [{ form: 'post-url', raw: `https://x.com/a/status/${id}`, offset: 0, context: '' }],
    post: { platform: 'twitter', id, url: `https://x.com/a/status/${id}`, handle: 'a', media: [], links: [] },
    checks: checks.map(([at, status]) => ({ at, status })),
  };
}

function record(docId: string, citations: Citation[]): DocumentRecord {
  return {
    schemaVersion: 1,
    docId,
    source: { uri: `file:///${docId}`, mediaType: 'text/plain', sha256: 'ab'.repeat(32), bytes: 1 },
    processedAt: '2026-11-29T00:00:00.000Z',
    citations,
  };
}

const DAY1 = '2026-11-01T03:00:00.000Z';
const DAY2 = '2026-11-02T03:00:00.000Z';

describe('the reverse index', () => {
  it('names every document citing a target, follows records that drop one, and rebuilds from the records', async () => {
    const { store } = await newStore();
    await store.documents.write(record('a', [post('1', [[DAY1, 'archived']]), post('2', [[DAY1, 'archived']])]));
    await store.documents.write(record('b', [post('1', [[DAY1, 'archived']])]));
    expect(await store.citing.documentsCiting('post:1')).toEqual(['a', 'b']);
    expect(await store.citing.documentsCiting('post:2')).toEqual(['a']);
    // document a, archived again, no longer cites post 2
    await store.documents.write(record('a', [post('1', [[DAY1, 'archived']])]));
    expect(await store.citing.documentsCiting('post:2')).toEqual([]);
    const counts = await store.citing.rebuild();
    expect(counts).toMatchObject({ documents: 2, targets: 1 });
    expect(await store.citing.documentsCiting('post:1')).toEqual(['a', 'b']);
  });

  it('a process that died between noting the targets and writing the record leaves a document too many, never one too few', async () => {
    const { store, index } = await newStore();
    const first = record('a', [post('1', [[DAY1, 'archived']])]);
    await store.documents.write(first);
    // The write of a new version that cites post 3 got as far as the index, not the rename.
    await index.noteCitations(record('a', [post('3', [[DAY2, 'archived']])]), first);
    expect(await store.citing.documentsCiting('post:1')).toEqual(['a']);
    expect(await store.citing.documentsCiting('post:3')).toEqual(['a']);
    expect((await store.documents.read('a'))?.citations.map((citation) => citation.id)).toEqual(['post:1']);
  });

  it('keeps a target that a concurrent writer of the same document cites again', async () => {
    const { store, index } = await newStore();
    const first = record('a', [post('1', [[DAY1, 'archived']]), post('2', [[DAY1, 'archived']])]);
    await store.documents.write(first);
    // Writer W1 drops post 2, but by the time it cleans up, W2's record (citing post 2) is on disk.
    const w1 = record('a', [post('1', [[DAY1, 'archived']])]);
    const w2 = record('a', [post('1', [[DAY1, 'archived']]), post('2', [[DAY2, 'archived']])]);
    await index.noteCitations(w2, first);
    await writeFile(store.documents.locationOf('a'), JSON.stringify(w2));
    await index.recordWritten(w1, first, () => Promise.resolve(w2));
    expect(await store.citing.documentsCiting('post:2')).toEqual(['a']);
  });

  it('builds itself from the records of a data dir written before it existed', async () => {
    const { store, dataDir } = await newStore();
    await store.documents.write(record('old', [post('9', [[DAY1, 'archived']])]));
    await store.close();
    await rm(join(dataDir, 'citing'), { recursive: true });
    expect(await store.citing.documentsCiting('post:9')).toEqual(['old']);
  });

  it('rebuilds a damaged target state on reindex, and reads it as missing meanwhile', async () => {
    const { store, dataDir } = await newStore();
    await store.documents.write(record('a', [post('1', [[DAY1, 'archived']])]));
    const [fanOut] = (await readdir(join(dataDir, 'citing'))).filter((name) => !name.startsWith('.'));
    const [hash] = await readdir(join(dataDir, 'citing', fanOut!));
    await writeFile(join(dataDir, 'citing', fanOut!, hash!, 'target.json'), '{"key": "post:1", "first');
    expect(await store.citing.targetStates()).toEqual([]);
    await store.citing.rebuild();
    expect((await store.citing.targetStates()).map((state) => state.key)).toEqual(['post:1']);
  });
});

describe('target states and status changes', () => {
  it('merges the checks of every document citing a target and logs each change once', async () => {
    const seen: unknown[] = [];
    const { store } = await newStore({ onStatusChanges: (changes) => seen.push(...changes) });
    await store.documents.write(record('a', [post('1', [[DAY1, 'archived']])]));
    await store.documents.write(
      record('b', [
        post('1', [
          [DAY1, 'archived'],
          [DAY2, 'deleted'],
        ]),
      ]),
    );
    // Writing the same record again adds no change.
    await store.documents.write(
      record('b', [
        post('1', [
          [DAY1, 'archived'],
          [DAY2, 'deleted'],
        ]),
      ]),
    );
    const [state] = await store.citing.targetStates();
    expect(state).toEqual({
      key: 'post:1',
      firstCheckedAt: Date.parse(DAY1),
      lastCheckedAt: Date.parse(DAY2),
      status: 'deleted',
      changedAtLastCheck: true,
    });
    const change = {
      at: DAY2,
      docId: 'b',
      citationId: 'post:1',
      url: 'https://x.com/a/status/1',
      from: 'archived',
      to: 'deleted',
    };
    expect(seen).toEqual([change]);
    expect(await store.changes.list({ since: DAY1 })).toEqual([change]);
    expect(await store.changes.list({ since: DAY1, status: 'archived' })).toEqual([]);
    expect(await store.changes.list({ since: '2026-11-03T00:00:00.000Z' })).toEqual([]);
    // The log is derived from the records' checks: a rebuild has the same.
    await store.citing.rebuild();
    expect(await store.changes.list({ since: DAY1 })).toEqual([change]);
  });
});

describe('the target index', () => {
  it('keeps the newest outcome of a target', async () => {
    const { store } = await newStore();
    const checkedAt = '2026-11-29T00:00:00.000Z';
    const entry: TargetIndexEntry = {
      key: 'link:https://t.co/x',
      checkedAt,
      outcome: {
        kind: 'link',
        check: {
          checkedAt,
          link: { url: 'https://t.co/x', hops: [] },
          end: { kind: 'error', status: 'dead', error: { code: 'DNS', message: 'x' } },
        },
      },
    };
    expect(await store.targets.get(entry.key)).toBeUndefined();
    await store.targets.put(entry);
    const newer = { ...entry, checkedAt: '2026-11-30T00:00:00.000Z' };
    await store.targets.put(newer);
    expect(await store.targets.get(entry.key)).toEqual(newer);
  });
});
