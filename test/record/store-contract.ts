import { describe, expect, it } from 'vitest';
import type { CheckJournalEntry, Citation, DocumentRecord, Status, TargetIndexEntry } from '../../src/model/index.js';
import type { StatusChange, StatusChangeListener, Store } from '../../src/ports.js';

/**
 * What every Store promises (src/ports.ts), run against each implementation: the data
 * dir (test/record/data-dir-store.test.ts) and PostgreSQL (test/store-pg/). `open`
 * gives a fresh, empty store each call; the caller closes and removes what it made.
 */
export type OpenStore = (options?: { onStatusChanges?: StatusChangeListener }) => Promise<Store>;

export function record(docId: string, citations: Citation[] = [], marker = docId): DocumentRecord {
  return {
    schemaVersion: 1,
    docId,
    source: { uri: `file:///${marker}`, mediaType: 'text/plain', sha256: 'ab'.repeat(32), bytes: marker.length },
    processedAt: '2026-11-29T00:00:00.000Z',
    citations,
  };
}

export function post(id: string, checks: [string, Status][]): Citation {
  return {
    id: `post:${id}`,
    type: 'post',
    status: checks.at(-1)?.[1] ?? 'unidentified',
    occurrences: [{ form: 'post-url', raw: `https://x.com/a/status/${id}`, offset: 0, context: '' }],
    post: { platform: 'twitter', id, url: `https://x.com/a/status/${id}`, handle: 'a', media: [], links: [] },
    checks: checks.map(([at, status]) => ({ at, status })),
  };
}

export function link(url: string, checks: [string, Status][]): Citation {
  return {
    id: `link:${url}`,
    type: 'link',
    status: checks.at(-1)?.[1] ?? 'failed',
    occurrences: [{ form: 'short-link', raw: url, offset: 0, context: '' }],
    link: { url, hops: [] },
    checks: checks.map(([at, status]) => ({ at, status })),
  };
}

const DAY1 = '2026-11-01T03:00:00.000Z';
const DAY2 = '2026-11-02T03:00:00.000Z';

export function storeContract(name: string, open: OpenStore): void {
  describe(`${name}: the Store contract`, () => {
    it('writes, reads and lists records, each read back as written', async () => {
      const store = await open();
      expect(await store.documents.read('missing')).toBeUndefined();
      expect(await store.documents.list()).toEqual([]);
      const b = record('b', [post('1', [[DAY1, 'archived']])], 'one');
      await store.documents.write(b);
      await store.documents.write(record('a', [], 'two'));
      await store.documents.write(record('B-upper', [], 'three'));
      // Name order is code-point order, as a listing of the data dir's files sorts.
      expect(await store.documents.list()).toEqual(['B-upper', 'a', 'b']);
      // Key order too: `show` prints the record as it was written.
      expect(JSON.stringify(await store.documents.read('b'))).toBe(JSON.stringify(b));
      expect(store.documents.locationOf('b')).toContain('b');
    });

    it('never lets a reader see half a record while writers race', async () => {
      const store = await open();
      const big = (n: number) => ({
        ...record('race', [], 'x'.repeat(200_000)),
        processedAt: `2026-11-29T00:00:${String(n).padStart(2, '0')}.000Z`,
      });
      const writes = Array.from({ length: 20 }, (_, n) => store.documents.write(big(n)));
      const reads: Promise<DocumentRecord | undefined>[] = [];
      for (let n = 0; n < 30; n++) reads.push(store.documents.read('race'));
      await Promise.all(writes);
      for (const result of await Promise.all(reads)) if (result) expect(result.source.bytes).toBe(200_000);
      expect((await store.documents.read('race'))?.processedAt).toMatch(/^2026-11-29T00:00:\d\d\.000Z$/);
    });

    it('lists a page of documents newest first, each summed up with its citations counted by status', async () => {
      const store = await open();
      expect(await store.documents.listNewestFirst({ offset: 0, limit: 10 })).toEqual({ documents: [], total: 0 });
      const at = (minute: number) => `2026-11-29T10:${String(minute).padStart(2, '0')}:00.000Z`;
      const titled = {
        ...record('titled', [
          link('https://t.co/a', [[DAY1, 'dead']]),
          post('1', [[DAY1, 'archived']]),
          link('https://t.co/b', [[DAY1, 'dead']]),
        ]),
        processedAt: at(3),
      };
      titled.source.title = 'A <titled> article';
      await store.documents.write(titled);
      await store.documents.write({ ...record('old', [post('2', [[DAY1, 'deleted']])]), processedAt: at(1) });
      // Two at the same time go in name order, code point by code point.
      await store.documents.write({ ...record('same-b'), processedAt: at(2) });
      await store.documents.write({ ...record('Same-a'), processedAt: at(2) });
      // Rewritten later, a record moves up.
      await store.documents.write({ ...record('moved', [post('3', [[DAY1, 'archived']])]), processedAt: at(0) });
      await store.documents.write({ ...record('moved', [post('3', [[DAY2, 'protected']])]), processedAt: at(4) });

      const first = await store.documents.listNewestFirst({ offset: 0, limit: 3 });
      expect(first.total).toBe(5);
      expect(first.documents).toEqual([
        {
          docId: 'moved',
          title: undefined,
          sourceUri: 'file:///moved',
          processedAt: at(4),
          statusCounts: { protected: 1 },
        },
        {
          docId: 'titled',
          title: 'A <titled> article',
          sourceUri: 'file:///titled',
          processedAt: at(3),
          statusCounts: { dead: 2, archived: 1 },
        },
        { docId: 'Same-a', title: undefined, sourceUri: 'file:///Same-a', processedAt: at(2), statusCounts: {} },
      ]);
      // Counted in the order each status first appears in the record.
      expect(Object.keys(first.documents[1]?.statusCounts ?? {})).toEqual(['dead', 'archived']);
      const rest = await store.documents.listNewestFirst({ offset: 3, limit: 3 });
      expect(rest.total).toBe(5);
      expect(rest.documents.map((summary) => summary.docId)).toEqual(['same-b', 'old']);
      expect(rest.documents[1]?.statusCounts).toEqual({ deleted: 1 });
      expect(await store.documents.listNewestFirst({ offset: 10, limit: 3 })).toEqual({ documents: [], total: 5 });
    });

    it('refuses a doc id that could escape the store', async () => {
      const store = await open();
      expect(() => store.documents.locationOf('../x')).toThrow(/invalid doc id/);
      await expect(store.documents.read('../x')).rejects.toThrow(/invalid doc id/);
    });

    it('names every document citing a target, follows records that drop one, and rebuilds from the records', async () => {
      const store = await open();
      await store.documents.write(record('a', [post('1', [[DAY1, 'archived']]), post('2', [[DAY1, 'archived']])]));
      await store.documents.write(record('b', [post('1', [[DAY1, 'archived']])]));
      expect(await store.citing.documentsCiting('post:1')).toEqual(['a', 'b']);
      expect(await store.citing.documentsCiting('post:2')).toEqual(['a']);
      await store.documents.write(record('a', [post('1', [[DAY1, 'archived']])]));
      expect(await store.citing.documentsCiting('post:2')).toEqual([]);
      expect((await store.citing.targetStates()).map((state) => state.key)).toEqual(['post:1']);
      expect(await store.citing.rebuild()).toMatchObject({ documents: 2, targets: 1 });
      expect(await store.citing.documentsCiting('post:1')).toEqual(['a', 'b']);
    });

    it('brings the index up to date alike when the writer passes the record it replaces', async () => {
      const seen: StatusChange[] = [];
      const store = await open({ onStatusChanges: (changes) => seen.push(...changes) });
      const first = record('a', [post('1', [[DAY1, 'archived']]), post('2', [[DAY1, 'archived']])]);
      await store.documents.write(first);
      const rechecked = record('a', [
        post('1', [
          [DAY1, 'archived'],
          [DAY2, 'deleted'],
        ]),
        link('https://t.co/x', [[DAY2, 'archived']]),
      ]);
      await store.documents.write(rechecked, { replacing: first });
      expect(await store.documents.read('a')).toEqual(rechecked);
      expect(await store.citing.documentsCiting('post:1')).toEqual(['a']);
      expect(await store.citing.documentsCiting('post:2')).toEqual([]);
      expect(await store.citing.documentsCiting('link:https://t.co/x')).toEqual(['a']);
      expect((await store.citing.targetStates()).find((state) => state.key === 'post:1')).toMatchObject({
        lastCheckedAt: Date.parse(DAY2),
        status: 'deleted',
        changedAtLastCheck: true,
      });
      expect(seen.map((change) => [change.citationId, change.from, change.to])).toEqual([
        ['post:1', 'archived', 'deleted'],
      ]);
    });

    it('merges the checks of every document citing a target and logs each status change once', async () => {
      const seen: StatusChange[] = [];
      const store = await open({ onStatusChanges: (changes) => seen.push(...changes) });
      const deletedInB = record('b', [
        post('1', [
          [DAY1, 'archived'],
          [DAY2, 'deleted'],
        ]),
      ]);
      await store.documents.write(record('a', [post('1', [[DAY1, 'archived']])]));
      await store.documents.write(deletedInB);
      await store.documents.write(deletedInB); // the same record again adds no change
      expect(await store.citing.targetStates()).toEqual([
        {
          key: 'post:1',
          firstCheckedAt: Date.parse(DAY1),
          lastCheckedAt: Date.parse(DAY2),
          status: 'deleted',
          changedAtLastCheck: true,
        },
      ]);
      const change: StatusChange = {
        at: DAY2,
        docId: 'b',
        citationId: 'post:1',
        url: 'https://x.com/a/status/1',
        from: 'archived',
        to: 'deleted',
      };
      expect(seen).toEqual([change]);
      expect(await store.changes.list({ since: DAY1 })).toEqual([change]);
      expect(await store.changes.list({ since: DAY1, status: 'deleted' })).toEqual([change]);
      expect(await store.changes.list({ since: DAY1, status: 'archived' })).toEqual([]);
      expect(await store.changes.list({ since: '2026-11-03T00:00:00.000Z' })).toEqual([]);
      // An older check written later does not turn the target's state back.
      await store.documents.write(record('c', [post('1', [['2026-10-30T00:00:00.000Z', 'archived']])]));
      expect((await store.citing.targetStates())[0]).toMatchObject({
        firstCheckedAt: Date.parse('2026-10-30T00:00:00.000Z'),
        status: 'deleted',
      });
      await store.citing.rebuild();
      expect(await store.changes.list({ since: DAY1 })).toEqual([change]);
    });

    it('keeps an article text by the sha256 of its bytes, the first one kept', async () => {
      const store = await open();
      const sources = store.sources;
      if (sources === undefined) throw new Error(`${name} keeps no article texts`);
      const sha256 = 'cd'.repeat(32);
      expect(await sources.read(sha256)).toBeUndefined();
      await sources.keep(sha256, 'Das Zitat — „so“');
      await sources.keep(sha256, 'Das Zitat — „so“');
      expect(await sources.read(sha256)).toBe('Das Zitat — „so“');
    });

    it('keeps the newest outcome of a target, and the journals of checks in progress', async () => {
      const store = await open();
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

      const journal: CheckJournalEntry = { key: 'journal:post:1', checkedAt, outcome: { answers: [] } };
      expect(await store.journals.get(journal.key)).toBeUndefined();
      await store.journals.put(journal);
      expect(await store.journals.get(journal.key)).toEqual(journal);
      await store.journals.delete(journal.key);
      await store.journals.delete(journal.key); // gone already: no error
      expect(await store.journals.get(journal.key)).toBeUndefined();
    });
  });
}
