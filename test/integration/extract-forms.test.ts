// The forms of issue 9 the way a user meets them: a markdown source, a CMS
// export that declares no charset, a page saved after widgets.js ran and a text
// stored without blank lines, archived with the command line against fake
// upstreams. The record keeps what the residue printed and the post it found.
import { copyFile, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DocumentRecord } from '../../src/model/index.js';
import { useFakeUpstream } from '../support/fake-upstream/test-client.js';
import { runCli } from '../support/run-cli.js';

const FIXTURES = new URL('../fixtures/extract/', import.meta.url);

describe('citesnap archive on the forms of issue 9', () => {
  const fake = useFakeUpstream();

  async function archive(fixture: string): Promise<DocumentRecord> {
    const work = await mkdtemp(join(tmpdir(), 'citesnap-forms-'));
    const path = join(work, fixture);
    await copyFile(new URL(fixture, FIXTURES), path);
    const env = { ...fake.upstream.env, CITESNAP_DATA_DIR: join(work, 'data') };
    const result = await runCli(['archive', '--json', '--no-sidecar', path], { env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const record = JSON.parse(result.stdout) as DocumentRecord;
    expect(JSON.parse(await readFile(join(work, 'data', 'documents', `${record.docId}.json`), 'utf8'))).toEqual(record);
    return record;
  }

  it('archives a markdown quote as one post citation, its status URL one of its occurrences', async () => {
    fake.upstream.addPost({
      id: '1561345678901234567',
      handle: 'ada_varga',
      name: 'Ada Varga (Quillmark Project)',
      text: 'Version 4.0 of Quillmark is out: faster builds, a new theme engine and offline search',
      createdAt: '2022-08-21T15:04:05Z',
    });
    const record = await archive('markdown-quotes.md');
    const ada = record.citations.find((citation) => citation.id === 'post:1561345678901234567');
    expect(ada?.status).toBe('archived');
    expect(ada?.occurrences.map((occurrence) => occurrence.form)).toEqual(['attribution', 'post-url']);
    expect(ada?.post?.embed).toEqual({
      authorName: 'Ada Varga (Quillmark Project)',
      handle: 'ada_varga',
      date: '2022-08-21',
      dateText: 'August 21, 2022',
      text: 'Version 4.0 of Quillmark is out: faster builds, a new theme engine and offline search https://t.co/Qm4Rel0001',
    });
    // No status URL of the quotes is a citation of its own, and the template URLs are none.
    const postIds = record.citations.filter((citation) => citation.type === 'post').map((citation) => citation.id);
    expect(postIds).toHaveLength(6);
    expect(record.citations.find((citation) => citation.post?.handle === 'quill_il')?.post?.embed?.date).toBe(
      '2019-09-17',
    );
    expect(record.citations.find((citation) => citation.post?.handle === 'fieldops_team')?.post?.embed).toMatchObject({
      dateText: '21 Agosztus 2022',
    });
    expect(
      record.citations.find((citation) => citation.post?.handle === 'fieldops_team')?.post?.embed?.date,
    ).toBeUndefined();
  });

  it('reads an HTML file without a declared charset as UTF-8: names and dates intact', async () => {
    fake.upstream.addPost({
      id: '1623000000000000001',
      handle: 'prefete_exemple',
      name: 'Préfète du Doubs Exemple',
      text: 'Ouverture de 200 places supplémentaires à Besançon dès ce soir',
      lang: 'fr',
      createdAt: '2023-02-03T18:00:00Z',
    });
    const record = await archive('undeclared-utf8.html');
    const prefete = record.citations.find((citation) => citation.id === 'post:1623000000000000001');
    expect(prefete?.status).toBe('archived');
    expect(prefete?.post?.embed).toMatchObject({
      authorName: 'Préfète du Doubs Exemple',
      dateText: '3 février 2023',
      date: '2023-02-03',
    });
    expect(record.source.title).toBe('Exported from the CMS');
    expect(
      record.citations.find((citation) => citation.post?.handle === 'croixrouge_ex')?.post?.embed?.authorName,
    ).toBe('Croix-Rouge Exemple');
  });

  it('archives the posts of a page saved after widgets.js drew its embeds', async () => {
    for (const [id, createdAt] of [
      ['1712000000000000071', '2023-10-11T06:10:00Z'],
      ['1712000000000000072', '2023-10-11T07:15:00Z'],
    ] as const) {
      fake.upstream.addPost({
        id,
        handle: 'coast_guard_ex',
        name: 'Coastguard Example',
        text: 'Stay away from the sea front',
        createdAt,
      });
    }
    const record = await archive('rendered-embeds.html');
    for (const id of ['1712000000000000071', '1712000000000000072']) {
      const citation = record.citations.find((candidate) => candidate.id === `post:${id}`);
      expect(citation?.status).toBe('archived');
      expect(citation?.occurrences.map((occurrence) => occurrence.form)).toEqual(['embed']);
      expect(citation?.post?.handle).toBe('coast_guard_ex');
    }
  });

  it('keeps a residue passage to the post in a text stored without blank lines', async () => {
    const record = await archive('passage-bounds-no-blank-lines.txt');
    const bridge = record.citations.find((citation) => citation.post?.handle === 'bridge_trust_ex');
    expect(bridge?.post?.embed?.text).toBe('Cycle counters on the bridge passed a million this year');
    const ferries = record.citations.find((citation) => citation.post?.handle === 'example_ferries');
    expect(ferries?.post?.embed).toEqual({
      authorName: 'Example Ferries',
      handle: 'example_ferries',
      dateText: 'March 5, 2024',
      date: '2024-03-05',
    });
  });
});
