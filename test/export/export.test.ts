import { copyFile, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentRecord } from '../../src/model/index.js';
import { addExamplePosts, CITY_ID, DGSN_ID, SUDINFO_ID } from '../support/example-posts.js';
import { FakeUpstream } from '../support/fake-upstream/index.js';
import { runCli } from '../support/run-cli.js';
import { expectDigestsMatch, parseWarc } from '../support/warc-records.js';
import { entryText, expectDigestsHold, parseCdxj, readWacz, recordAt, type WaczEntry } from '../support/wacz.js';

const EXAMPLE_HTML = new URL('../../examples/casablanca-extortion-2023-11.html', import.meta.url);
const OTHER_ID = '1730000000000000001';

describe('citesnap export: a WACZ for one document', () => {
  let upstream: FakeUpstream;
  let work: string;
  let env: Record<string, string>;
  let record: DocumentRecord;
  let entries: Map<string, WaczEntry>;

  beforeAll(async () => {
    upstream = await FakeUpstream.start();
    addExamplePosts(upstream);
    upstream.addPost({
      id: OTHER_ID,
      handle: 'someone_else',
      name: 'Someone Else',
      text: 'A post of another document',
    });
    work = await mkdtemp(join(tmpdir(), 'citesnap-export-'));
    env = { ...upstream.env, CITESNAP_DATA_DIR: join(work, 'data') };
    // Another document in the same run, so into the same WARC file: none of its records may travel with the example's.
    const other = join(work, 'other.html');
    await writeFile(other, `<p><a href="https://twitter.com/someone_else/status/${OTHER_ID}">a post</a></p>`);
    const article = join(work, 'casablanca.html');
    await copyFile(EXAMPLE_HTML, article);
    const archived = await runCli(['archive', other, article], { env });
    expect(archived.code, archived.stderr).toBe(0);
    record = JSON.parse(await readFile(join(work, 'data', 'documents', 'casablanca.json'), 'utf8')) as DocumentRecord;

    const exported = await runCli(['export', 'casablanca', '--out', join(work, 'out.wacz')], { env });
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/out\.wacz: 6 pages, \d+ WARC records\n$/);
    entries = await readWacz(await readFile(join(work, 'out.wacz')));
    // Three CLI runs, each a process of its own, on a shared 2-core machine.
  }, 120_000);

  afterAll(async () => {
    await upstream.close();
  });

  it('holds the WACZ 1.1.1 files, the WARCs and the index stored so they can be read by range', () => {
    const names = [...entries.keys()];
    expect(names).toEqual(
      expect.arrayContaining([
        'indexes/index.cdxj',
        'pages/pages.jsonl',
        'datapackage.json',
        'datapackage-digest.json',
      ]),
    );
    expect(names.filter((name) => /^archive\/citesnap-.*\.warc\.gz$/.test(name)).length).toBeGreaterThan(0);
    for (const [name, entry] of entries) {
      if (name.startsWith('archive/') || name.startsWith('indexes/')) expect(entry.compressionMethod, name).toBe(0);
    }
    const datapackage = expectDigestsHold(entries);
    expect(datapackage.wacz_version).toBe('1.1.1');
    expect(datapackage.software).toMatch(/^citesnap\//);
    expect(Date.parse(datapackage.created)).not.toBeNaN();
  });

  it('lists one page a capture, titled, at the capture time', () => {
    const [header, ...lines] = entryText(entries, 'pages/pages.jsonl').trimEnd().split('\n');
    expect(JSON.parse(header ?? '')).toMatchObject({ format: 'json-pages-1.0', id: 'pages' });
    const pages = lines.map((line) => JSON.parse(line) as { url: string; ts: string; title: string });
    const dgsn = record.citations.find((citation) => citation.id === `post:${DGSN_ID}`);
    // Three posts, one photo; the links inside the embeds are captured as pages too, but
    // the sudinfo and city links join nothing: count what the record says.
    const captures = record.citations
      .flatMap((citation) => [citation.capture, ...(citation.post?.media ?? []).map((media) => media.capture)])
      .filter(Boolean);
    expect(pages).toHaveLength(captures.length);
    expect(pages.map((page) => page.ts)).toEqual(captures.map((capture) => capture?.at));
    expect(pages.find((page) => page.url.includes(`id=${DGSN_ID}`))?.title).toMatch(/^@DGSN_MAROC: /);
    expect(pages.find((page) => page.url === dgsn?.post?.media[0]?.url)?.title).toBe(
      `Photo 1 of @DGSN_MAROC's post ${DGSN_ID}`,
    );
    expect(pages.find((page) => page.url === 'https://sudinfo.example.com/alerte-a-la-bombe')?.title).toBe(
      'Alerte à la bombe dans 27 écoles',
    );
  });

  it('indexes every response, and every index line lands on a record of its URL and time', async () => {
    const lines = parseCdxj(entryText(entries, 'indexes/index.cdxj'));
    expect(lines.map((line) => `${line.urlkey} ${line.timestamp}`)).toEqual(
      lines.map((line) => `${line.urlkey} ${line.timestamp}`).sort(),
    );
    for (const line of lines) {
      const stored = await recordAt(entries, line);
      expect(stored.type).toBe('response');
      expect(stored.targetUri).toBe(line.url);
      expect(stored.date?.replace(/[-:T]/g, '').slice(0, 14)).toBe(line.timestamp);
      expect(String(stored.status)).toBe(line.status);
    }
    const pages = entryText(entries, 'pages/pages.jsonl')
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((line) => JSON.parse(line) as { url: string });
    for (const page of pages)
      expect(
        lines.some((line) => line.url === page.url && line.status === '200'),
        page.url,
      ).toBe(true);
  });

  it('carries the requests and the answers that led to each capture, and nothing of other documents', async () => {
    const records = [];
    for (const [name, entry] of entries)
      if (name.startsWith('archive/')) records.push(...(await parseWarc(entry.bytes)));
    // Every record as it was archived: its digests still hold.
    for (const stored of records) expectDigestsMatch(stored);
    const responses = records.filter((stored) => stored.type === 'response');
    const requests = records.filter((stored) => stored.type === 'request');
    expect(requests.map((request) => request.warcHeaders.get('WARC-Concurrent-To')).sort()).toEqual(
      responses.map((response) => response.warcHeaders.get('WARC-Record-ID')).sort(),
    );
    const urls = responses.map((response) => response.warcHeaders.get('WARC-Target-URI'));
    // The redirect hops of the links and of the photo link, which lead to the captures.
    expect(urls).toEqual(
      expect.arrayContaining(['https://t.co/Q558GooFYF', 'https://t.co/KNbFdafcns', 'https://t.co/rdI6rg3QRE']),
    );
    for (const id of [DGSN_ID, SUDINFO_ID, CITY_ID])
      expect(
        urls.some((url) => url?.includes(id)),
        id,
      ).toBe(true);
    expect(urls.some((url) => url?.includes(OTHER_ID))).toBe(false);
    expect(records.filter((stored) => stored.type === 'warcinfo').length).toBe(
      [...entries.keys()].filter((name) => name.startsWith('archive/')).length,
    );
  });

  it('writes <doc-id>.wacz in the current folder by default, and refuses an unknown doc id with exit 2', async () => {
    const here = await mkdtemp(join(tmpdir(), 'citesnap-export-cwd-'));
    const byDefault = await runCli(['export', 'casablanca'], { env, cwd: here });
    expect(byDefault.code, byDefault.stderr).toBe(0);
    expect(await readdir(here)).toEqual(['casablanca.wacz']);
    expectDigestsHold(await readWacz(await readFile(join(here, 'casablanca.wacz'))));

    const unknown = await runCli(['export', 'no-such-doc'], { env, cwd: here });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^citesnap: export: no record for doc id "no-such-doc" in .*documents\n$/);
    const invalid = await runCli(['export', '../etc/passwd'], { env, cwd: here });
    expect(invalid.code).toBe(2);
    const noFolder = await runCli(['export', 'casablanca', '--out', join(here, 'missing', 'x.wacz')], {
      env,
      cwd: here,
    });
    expect(noFolder.code).toBe(2);
    expect(await readdir(here)).toEqual(['casablanca.wacz']);
  }, 60_000);
});
