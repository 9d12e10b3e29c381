import { describe, expect, it } from 'vitest';
import { extractFromHtml, extractFromText } from '../../src/extract/index.js';
import { at, embedId, embeddedPost, expectOffsetsHold, linkCitation, readFixture, withoutContexts } from './helpers.js';

describe('markdown quote residues', () => {
  const text = readFixture('markdown-quotes.md');
  const document = extractFromText(text);
  const citation = (id: string) => document.citations.find((candidate) => candidate.id === id);

  it('reads a quote as one post, its id from the status link of its date, like an HTML embed with its status link', () => {
    const passage =
      'Version 4.0 of Quillmark is out: faster builds, a new theme engine and\n> offline search https://t.co/Qm4Rel0001\n>\n> ';
    const statusUrl = 'https://twitter.com/ada_varga/status/1561345678901234567?ref_src=twsrc%5Etfw';
    const trailer = `— Ada Varga (Quillmark Project) (@ada_varga) [August 21, 2022](${statusUrl})`;
    expect(withoutContexts({ citations: document.citations.slice(0, 2) })).toEqual([
      {
        id: 'post:1561345678901234567',
        type: 'post',
        // The passage starts after the first `> `, and the status URL joins the residue's citation.
        occurrences: [at(text, 'attribution', `${passage}${trailer}`), at(text, 'post-url', statusUrl)],
        post: embeddedPost({
          id: '1561345678901234567',
          handle: 'ada_varga',
          embed: {
            authorName: 'Ada Varga (Quillmark Project)',
            date: '2022-08-21',
            dateText: 'August 21, 2022',
            text: 'Version 4.0 of Quillmark is out: faster builds, a new theme engine and offline search https://t.co/Qm4Rel0001',
          },
        }),
      },
      linkCitation('Qm4Rel0001', [at(text, 'short-link', 'https://t.co/Qm4Rel0001')], 'post:1561345678901234567'),
    ]);
  });

  it('reads a trailer wrapped over two quoted lines, fullwidth brackets and a Japanese date', () => {
    expect(citation('post:933612345678901234')?.post?.embed).toEqual({
      authorName: '佐藤 花子 (Quillmark JP)',
      handle: 'hanako_sato',
      date: '2017-11-23',
      dateText: '2017年11月23日',
      text: 'Quillmark 4.0の日本語ドキュメントを公開しました 【https://t.co/JaDoc00002】 翻訳に協力してくれた皆さん、ありがとうございます。',
    });
    expect(citation('tco:JaDoc00002')?.parent).toBe('post:933612345678901234');
  });

  it('reads a date label wrapped inside its link, an autolink, and a handle longer than 15 characters', () => {
    const residue = citation('post:1561700000000000001');
    expect(residue?.post?.embed).toEqual({
      authorName: 'Bartholomew Okonkwo-Reyes (Docs Guild)',
      handle: 'Bartholomew_OkonkwoR',
      date: '2022-08-22',
      dateText: 'August 22, 2022',
      text: 'Migrating a 900-page manual took one afternoon. <https://t.co/Mig0000003>',
    });
    expect(residue?.occurrences.map((occurrence) => occurrence.form)).toEqual(['attribution', 'post-url']);
    expect(citation('tco:Mig0000003')?.occurrences.map((occurrence) => occurrence.raw)).toEqual([
      'https://t.co/Mig0000003',
    ]);
  });

  it('keeps a date no language reads as dateText alone, and still takes the id from its link', () => {
    expect(citation('post:1561800000000000002')?.post?.embed).toEqual({
      authorName: 'Field Ops',
      handle: 'fieldops_team',
      dateText: '21 Agosztus 2022',
      text: 'Search finally works offline. Huge for us field teams.',
    });
  });

  it('takes the status link of the trailer whatever handle it names (the account renamed), and stops the passage at the quote', () => {
    const source =
      'Prose just above the quote.\n> Renamed since\n> — Old Name (@old_name) [May 5, 2020](https://x.com/new_name/status/1257000000000000001)';
    const [residue] = extractFromText(source).citations;
    expect(residue?.id).toBe('post:1257000000000000001');
    expect(residue?.post?.embed?.text).toBe('Renamed since');
    expect(residue?.occurrences[0]?.raw.startsWith('Renamed since')).toBe(true);
    expectOffsetsHold(source, extractFromText(source).citations);
  });

  it('reads a quote without a status link as an embed: post, and a quote without a trailer as nothing', () => {
    const jiro = {
      authorName: '山本 次郎',
      date: '2017-11-24',
      dateText: '2017年11月24日',
      text: '新しいテーマがとても使いやすい。',
    };
    expect(citation(embedId({ handle: 'jiro_yamamoto', ...jiro }))?.post).toEqual(
      embeddedPost({ handle: 'jiro_yamamoto', embed: jiro }),
    );
    expect(document.citations.filter((candidate) => candidate.type === 'post')).toHaveLength(6);
    expectOffsetsHold(text, document.citations);
  });

  it('reads the same quotes rendered to HTML, and markdown kept in a <pre>', () => {
    const html = readFixture('markdown-rendered.html');
    const rendered = extractFromHtml(html);
    const posts = rendered.citations.filter((candidate) => candidate.type === 'post');
    expect(
      posts.map((post) => [post.id, post.occurrences.map((occurrence) => occurrence.form), post.post?.embed?.date]),
    ).toEqual([
      ['post:1561345678901234567', ['attribution', 'post-url'], '2022-08-21'],
      ['post:933612345678901234', ['attribution', 'post-url'], '2017-11-23'],
      ['post:1173912345678901234', ['attribution', 'post-url'], '2019-09-17'],
      ['post:1561700000000000001', ['attribution', 'post-url'], '2022-08-22'],
    ]);
    expect(posts[3]?.post?.embed?.text).toBe(
      'Migrating a 900-page manual took one afternoon. <https://t.co/Mig0000003>',
    );
    expectOffsetsHold(html, rendered.citations);
  });
});
