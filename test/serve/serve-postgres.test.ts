import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentRecord } from '../../src/model/index.js';
import { countStatuses } from '../../src/record/citation-stats.js';
import { serializeRecord } from '../../src/record/serialize.js';
import { STATUS_WORDS } from '../../src/serve/view-models.js';
import { openPostgresStore, type PostgresStore } from '../../src/store-pg/postgres-store.js';
import { DGSN_ID } from '../support/example-posts.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { EXAMPLE_DOC_ID, HOSTILE_DOC_ID, startServedArchive, type ServedArchive } from '../support/served-archive.js';
import { entryText, expectDigestsHold, readWacz } from '../support/wacz.js';

// Contract sections 11 and 12 together: `citesnap serve` on a machine that shares only
// the database and the WARC store with the one that archived. The archive runs with
// CITESNAP_DATABASE_URL; its data dir is gone before the server, on an empty data dir
// of its own, starts.

/** The doc ids of a page of `/`, in the order listed. */
function listedDocIds(html: string): string[] {
  return [...html.matchAll(/<td><a href="\/documents\/([^"]+)">/g)].map((match) => match[1] ?? '');
}

/** The status badges of one document's row of `/`, as shown: `3 archived`, `1 dead link`. */
function badgesOf(html: string, docId: string): string[] {
  const row = html.slice(html.indexOf(`<td><a href="/documents/${docId}">`)).split('</tr>')[0] ?? '';
  return [...row.matchAll(/<span class="badge status-[a-z]+">([^<]+)<\/span>/g)].map((match) => match[1] ?? '');
}

function expectedBadges(record: DocumentRecord): string[] {
  return Object.entries(countStatuses(record.citations)).map(
    ([status, count]) => `${count} ${STATUS_WORDS[status as keyof typeof STATUS_WORDS]}`,
  );
}

describe('citesnap serve on PostgreSQL, from another machine', () => {
  let database: TestDatabase;
  let served: ServedArchive;
  let store: PostgresStore;
  let example: DocumentRecord;
  let hostile: DocumentRecord;

  beforeAll(async () => {
    database = await createTestDatabase('serve');
    served = await startServedArchive({ databaseUrl: database.url });
    store = openPostgresStore({ url: database.url });
    const read = async (docId: string) => {
      const record = await store.documents.read(docId);
      if (record === undefined) throw new Error(`${docId} is not in the database`);
      return record;
    };
    example = await read(EXAMPLE_DOC_ID);
    hostile = await read(HOSTILE_DOC_ID);
    // Two CLI archive runs and a server process, each a process of its own, on a shared 2-core machine.
  }, 120_000);

  afterAll(async () => {
    await store?.close();
    expect(await served?.close()).toBe(0);
    await database?.drop();
  });

  it('serves from a data dir that holds no record and no WARC file', () => {
    expect(existsSync(`${served.dataDir}/documents`)).toBe(false);
    expect(existsSync(`${served.dataDir}/warc`)).toBe(false);
    expect(example.citations.some((citation) => citation.status === 'archived')).toBe(true);
  });

  it('lists the documents archived with the database, newest first, with their counts by status', async () => {
    const response = await fetch(served.url);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(listedDocIds(html)).toEqual([HOSTILE_DOC_ID, EXAMPLE_DOC_ID]);
    expect(html).toContain('2 documents, newest first.');
    expect(html).toContain('A &lt;hostile&gt; article');
    expect(badgesOf(html, EXAMPLE_DOC_ID)).toEqual(expectedBadges(example));
    expect(badgesOf(html, HOSTILE_DOC_ID)).toEqual(expectedBadges(hostile));
  });

  it('shows a document: its posts, a photo out of the WARC store, the article text from the database', async () => {
    const response = await fetch(`${served.url}documents/${EXAMPLE_DOC_ID}`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain(`data-citation-id="post:${DGSN_ID}"`);
    expect(html).toContain('@DGSN_MAROC');
    // The article marked, not each occurrence in its context: the text came from the database.
    const occurrences = example.citations.reduce((sum, citation) => sum + citation.occurrences.length, 0);
    expect(html.match(/<mark class="status-[a-z]+" id="c\d+-o\d+">/g)).toHaveLength(occurrences);
    const dgsnIndex = example.citations.findIndex((citation) => citation.id === `post:${DGSN_ID}`);
    const photo = await fetch(`${served.url}documents/${EXAMPLE_DOC_ID}/photos/${dgsnIndex}/0`);
    expect(photo.status).toBe(200);
    expect(photo.headers.get('content-type')).toBe('image/jpeg');
  });

  it('serves the record equal to the one stored, in the data dir form', async () => {
    const response = await fetch(`${served.url}documents/${EXAMPLE_DOC_ID}.json`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual(example);
    expect(text).toBe(serializeRecord(example));
  });

  it('serves the WACZ made from the WARC store', async () => {
    const response = await fetch(`${served.url}documents/${EXAMPLE_DOC_ID}.wacz`);
    expect(response.status).toBe(200);
    const entries = await readWacz(Buffer.from(await response.arrayBuffer()));
    expect(expectDigestsHold(entries).wacz_version).toBe('1.1.1');
    const pages = entryText(entries, 'pages/pages.jsonl');
    // A page for each capture the record points to, each found in the WARC store.
    const listed = pages
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => JSON.parse(line) as { title: string });
    const captures =
      example.citations.filter((citation) => citation.capture).length +
      example.citations.flatMap((citation) => citation.post?.media ?? []).filter((media) => media.capture).length;
    expect(listed).toHaveLength(captures);
    expect(listed.map((page) => page.title)).toContain(`Photo 1 of @DGSN_MAROC's post ${DGSN_ID}`);
    expect([...entries.keys()].some((name) => /^archive\/.+\.warc\.gz$/.test(name))).toBe(true);
  });

  it('pages a longer list newest first, documents written meanwhile in their places', async () => {
    // 60 more documents, every fourth newer than the two archived, the rest older.
    const base = Date.parse(example.processedAt);
    for (let n = 0; n < 60; n++) {
      await store.documents.write({
        ...example,
        docId: `more-${String(n).padStart(2, '0')}`,
        processedAt: new Date(n % 4 === 0 ? base + (n + 1) * 60_000 : base - (n + 1) * 60_000).toISOString(),
      });
    }
    const written = await Promise.all(
      Array.from({ length: 60 }, (_, n) => store.documents.read(`more-${String(n).padStart(2, '0')}`)),
    );
    const expected = [example, hostile, ...written.flatMap((record) => (record === undefined ? [] : [record]))]
      .sort((a, b) =>
        a.processedAt === b.processedAt ? (a.docId < b.docId ? -1 : 1) : a.processedAt < b.processedAt ? 1 : -1,
      )
      .map((record) => record.docId);
    expect(expected).toHaveLength(62);

    const first = await (await fetch(served.url)).text();
    expect(first).toContain('62 documents, newest first; page 1 of 2.');
    expect(first).toContain('<a rel="next" href="/?page=2">');
    const second = await (await fetch(`${served.url}?page=2`)).text();
    expect(second).toContain('<a rel="prev" href="/">');
    expect(listedDocIds(first)).toHaveLength(50);
    expect([...listedDocIds(first), ...listedDocIds(second)]).toEqual(expected);
    expect(badgesOf(second, 'more-59')).toEqual(expectedBadges(example));
    expect((await fetch(`${served.url}?page=3`)).status).toBe(404);
  });
});
