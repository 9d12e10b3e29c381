import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Citation, DocumentRecord, Status } from '../../src/model/index.js';
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

/** The state of post 1 cited by one document checked on DAY1 and another on DAY2, when it was found deleted. */
const POST_1_DELETED_ON_DAY2 = {
  key: 'post:1',
  firstCheckedAt: Date.parse(DAY1),
  lastCheckedAt: Date.parse(DAY2),
  status: 'deleted',
  changedAtLastCheck: false,
};

/** The folder of the one target a data dir's reverse index holds. */
async function onlyTargetFolder(dataDir: string): Promise<string> {
  const [fanOut = ''] = (await readdir(join(dataDir, 'citing'))).filter((name) => !name.startsWith('.'));
  const [hash = ''] = await readdir(join(dataDir, 'citing', fanOut));
  return join(dataDir, 'citing', fanOut, hash);
}

describe('the reverse index', () => {
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
    await writeFile(join(await onlyTargetFolder(dataDir), '_state.json'), '{"key": "post:1", "first');
    expect(await store.citing.targetStates()).toEqual([]);
    await store.citing.rebuild();
    expect((await store.citing.targetStates()).map((state) => state.key)).toEqual(['post:1']);
  });

  it('merges a target state with what another process wrote since this one last saw it', async () => {
    const { store, dataDir } = await newStore();
    const other = openDataDirStore({ dataDir });
    opened.push(other);
    await store.documents.write(record('a', [post('1', [[DAY1, 'archived']])]));
    await other.documents.write(record('b', [post('1', [[DAY2, 'deleted']])]));
    // A check this process has merged already changes nothing, and does not undo the other's.
    await store.documents.write(record('c', [post('1', [[DAY1, 'archived']])]));
    expect(await store.citing.targetStates()).toEqual([POST_1_DELETED_ON_DAY2]);
    const DAY3 = '2026-11-03T03:00:00.000Z';
    await store.documents.write(
      record('d', [
        post('1', [
          [DAY2, 'deleted'],
          [DAY3, 'archived'],
        ]),
      ]),
    );
    expect(await other.citing.targetStates()).toEqual([
      {
        key: 'post:1',
        firstCheckedAt: Date.parse(DAY1),
        lastCheckedAt: Date.parse(DAY3),
        status: 'archived',
        changedAtLastCheck: true,
      },
    ]);
  });

  it("merges the first states of a new target that two processes wrote at once, losing neither's check", async () => {
    const { store, dataDir, index } = await newStore();
    const other = openDataDirStore({ dataDir });
    opened.push(other);
    // This process makes the target's folder for its marker; before it writes the state, another writes its own.
    const mine = record('a', [post('1', [[DAY1, 'archived']])]);
    await index.noteCitations(mine, undefined);
    await other.documents.write(record('b', [post('1', [[DAY2, 'deleted']])]));
    await index.recordWritten(mine, undefined, () => Promise.resolve(mine));
    expect(await store.citing.targetStates()).toEqual([POST_1_DELETED_ON_DAY2]);
  });

  it('appends a target state, and past 1 KiB replaces the file by one line', async () => {
    const { store, dataDir } = await newStore();
    const checks: [string, Status][] = [];
    const sizes: number[] = [];
    for (let day = 0; day < 100; day++) {
      checks.push([
        new Date(Date.parse(DAY1) + day * 86_400_000).toISOString(),
        day % 2 === 0 ? 'archived' : 'deleted',
      ]);
      await store.documents.write(record('a', [post('1', checks)]));
      sizes.push((await readFile(join(await onlyTargetFolder(dataDir), '_state.json'))).byteLength);
    }
    // Each write appended a line (the file grew) until it was replaced by one, several times in 100.
    expect(sizes.filter((size, day) => day > 0 && size > (sizes[day - 1] ?? 0)).length).toBeGreaterThan(80);
    expect(sizes.filter((size, day) => day > 0 && size < (sizes[day - 1] ?? 0)).length).toBeGreaterThan(5);
    expect(Math.max(...sizes)).toBeLessThan(1_024 + 300);
    expect(await store.citing.targetStates()).toEqual([
      {
        key: 'post:1',
        firstCheckedAt: Date.parse(DAY1),
        lastCheckedAt: Date.parse(checks.at(-1)![0]),
        status: 'deleted',
        changedAtLastCheck: true,
      },
    ]);
  });

  it('keeps one folder a target: its markers, named by doc id, beside its state', async () => {
    const { store, dataDir } = await newStore();
    await store.documents.write(record('a', [post('1', [[DAY1, 'archived']])]));
    await store.documents.write(record('b.v2', [post('1', [[DAY2, 'deleted']])]));
    expect((await readdir(await onlyTargetFolder(dataDir))).sort()).toEqual(['_state.json', 'a', 'b.v2']);
    expect(await store.citing.documentsCiting('post:1')).toEqual(['a', 'b.v2']);
    expect(await store.citing.targetStates()).toEqual([POST_1_DELETED_ON_DAY2]);
  });

  it('rebuilds an index of the older layout (markers under documents/, target.json) from the records', async () => {
    const { store, dataDir } = await newStore();
    await store.documents.write(record('a', [post('1', [[DAY1, 'archived']])]));
    await store.close();
    // The layout before: built, one folder of markers and a target.json a target.
    await rm(join(dataDir, 'citing'), { recursive: true });
    const old = join(dataDir, 'citing', 'ab', 'ab'.repeat(32));
    await mkdir(join(old, 'documents'), { recursive: true });
    await writeFile(join(old, 'documents', 'gone'), '');
    await writeFile(join(old, 'target.json'), '{"key":"post:7","status":"archived"}');
    await writeFile(join(dataDir, 'citing', '.built'), '2026-11-01T00:00:00.000Z');
    const reopened = openDataDirStore({ dataDir });
    opened.push(reopened);
    expect(await reopened.citing.documentsCiting('post:1')).toEqual(['a']);
    expect((await reopened.citing.targetStates()).map((state) => state.key)).toEqual(['post:1']);
    expect((await readdir(join(dataDir, 'citing'))).filter((name) => !name.startsWith('.'))).not.toContain('ab');
  });
});
