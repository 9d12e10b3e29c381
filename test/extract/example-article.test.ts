// The real article of examples/: three embedded posts, stored once as text (where
// only their residue is left) and once as HTML (with the embed markup).
import { describe, expect, it } from 'vitest';
import { extractFromHtml, extractFromText } from '../../src/extract/index.js';
import { at, embedId, embeddedPost, expectOffsetsHold, linkCitation, readExample, withoutContexts } from './helpers.js';

const DGSN_TEXT =
  'توقيف مستخدم في مركز للنداء بمدينة الدار البيضاء، متورط في الابتزاز الرقمي وتوجيه رسائل إلكترونية بواسطة الأنظمة المعلوماتية لعدد من المؤسسات التعليمية والسياحية الوطنية والأجنبية، تتضمن تهديدا بارتكاب جرائم إرهابية وهمية.';
const SUDINFO_TEXT =
  'Alerte à la bombe dans 27 écoles à Bruxelles et en Brabant wallon : une demande de rançon à connotation terroriste, « un Noël sanguinaire vous attend»';
const CITY_TEXT = 'Alerte à la bombe : Fermeture de multiples écoles du réseau Wallonie-Bruxelle';

describe('the example article as text', () => {
  const text = readExample('casablanca-extortion-2023-11.txt');
  const document = extractFromText(text);

  it('finds the three residues, each with its link as a child', () => {
    const dgsn = {
      authorName: 'DGSN MAROC',
      date: '2023-11-28',
      dateText: 'November 28, 2023',
      text: `${DGSN_TEXT} pic.twitter.com/rdI6rg3QRE`,
    };
    const sudinfo = {
      authorName: 'Sudinfo.be',
      date: '2023-11-27',
      dateText: 'November 27, 2023',
      text: `${SUDINFO_TEXT} https://t.co/Q558GooFYF`,
    };
    const city = {
      authorName: 'bruxelles city news',
      date: '2023-11-27',
      dateText: 'November 27, 2023',
      text: `${CITY_TEXT} https://t.co/KNbFdafcns via @city_bruxelles`,
    };
    const dgsnId = embedId({ handle: 'DGSN_MAROC', ...dgsn });
    const sudinfoId = embedId({ handle: 'sudinfo_be', ...sudinfo });
    const cityId = embedId({ handle: 'city_bruxelles', ...city });
    // Pinned as well: these ids must not change from one release to the next.
    expect([dgsnId, sudinfoId, cityId]).toEqual([
      'embed:25d1195a3fc52f9e',
      'embed:f1b4d899df9c2a44',
      'embed:4d9cbb3263ba99a4',
    ]);

    expect(withoutContexts(document)).toEqual([
      {
        id: dgsnId,
        type: 'post',
        occurrences: [
          { form: 'attribution', raw: `${dgsn.text} — DGSN MAROC (@DGSN_MAROC) November 28, 2023`, offset: 779 },
        ],
        post: embeddedPost({ handle: 'DGSN_MAROC', embed: dgsn }),
      },
      linkCitation('rdI6rg3QRE', [{ form: 'media-link', raw: 'pic.twitter.com/rdI6rg3QRE', offset: 1002 }], dgsnId),
      {
        id: sudinfoId,
        type: 'post',
        occurrences: [
          { form: 'attribution', raw: `${sudinfo.text} — Sudinfo.be (@sudinfo_be) November 27, 2023`, offset: 1956 },
        ],
        post: embeddedPost({ handle: 'sudinfo_be', embed: sudinfo }),
      },
      linkCitation('Q558GooFYF', [{ form: 'short-link', raw: 'https://t.co/Q558GooFYF', offset: 2107 }], sudinfoId),
      {
        id: cityId,
        type: 'post',
        occurrences: [
          {
            form: 'attribution',
            raw: `${city.text} — bruxelles city news (@city_bruxelles) November 27, 2023`,
            offset: 2681,
          },
        ],
        post: embeddedPost({ handle: 'city_bruxelles', embed: city }),
      },
      linkCitation('KNbFdafcns', [{ form: 'short-link', raw: 'https://t.co/KNbFdafcns', offset: 2759 }], cityId),
    ]);
    expectOffsetsHold(text, document.citations);
  });

  it('gives each occurrence the text around it as context', () => {
    const contexts = document.citations.map((citation) => citation.occurrences[0]?.context);
    expect(contexts[1]).toContain(
      'وهمية. pic.twitter.com/rdI6rg3QRE — DGSN MAROC (@DGSN_MAROC) November 28, 2023 Les recherches',
    );
    expect(contexts[3]).toContain('vous attend» https://t.co/Q558GooFYF — Sudinfo.be');
  });

  it('has no title', () => {
    expect(document).not.toHaveProperty('title');
  });
});

describe('the example article as HTML', () => {
  const html = readExample('casablanca-extortion-2023-11.html');
  const document = extractFromHtml(html);

  it('finds the three embeds by their status links, each with its link as a child', () => {
    const dgsnStatus = 'https://twitter.com/DGSN_MAROC/status/1729555061938819317?ref_src=twsrc%5Etfw';
    const sudinfoStatus = 'https://twitter.com/sudinfo_be/status/1729135262233043236?ref_src=twsrc%5Etfw';
    const cityStatus = 'https://twitter.com/city_bruxelles/status/1729181542325883288?ref_src=twsrc%5Etfw';
    const embedTag = '<blockquote class="twitter-tweet" data-lang="en">';
    expect(withoutContexts(document)).toEqual([
      {
        id: 'post:1729555061938819317',
        type: 'post',
        occurrences: [at(html, 'embed', embedTag, 1), at(html, 'post-url', dgsnStatus)],
        post: embeddedPost({
          id: '1729555061938819317',
          handle: 'DGSN_MAROC',
          lang: 'ar',
          embed: {
            authorName: 'DGSN MAROC',
            date: '2023-11-28',
            dateText: 'November 28, 2023',
            text: `#مكافحة_الإجرام_السيبراني ${DGSN_TEXT} pic.twitter.com/rdI6rg3QRE`,
          },
        }),
      },
      linkCitation('rdI6rg3QRE', [at(html, 'media-link', 'https://t.co/rdI6rg3QRE')], 'post:1729555061938819317'),
      {
        id: 'post:1729135262233043236',
        type: 'post',
        occurrences: [at(html, 'embed', embedTag, 2), at(html, 'post-url', sudinfoStatus)],
        post: embeddedPost({
          id: '1729135262233043236',
          handle: 'sudinfo_be',
          lang: 'fr',
          embed: {
            authorName: 'Sudinfo.be',
            date: '2023-11-27',
            dateText: 'November 27, 2023',
            text: `${SUDINFO_TEXT} https://t.co/Q558GooFYF`,
          },
        }),
      },
      linkCitation('Q558GooFYF', [at(html, 'short-link', 'https://t.co/Q558GooFYF')], 'post:1729135262233043236'),
      {
        id: 'post:1729181542325883288',
        type: 'post',
        occurrences: [at(html, 'embed', embedTag, 3), at(html, 'post-url', cityStatus)],
        post: embeddedPost({
          id: '1729181542325883288',
          handle: 'city_bruxelles',
          lang: 'fr',
          embed: {
            authorName: 'bruxelles city news',
            date: '2023-11-27',
            dateText: 'November 27, 2023',
            text: `${CITY_TEXT} https://t.co/KNbFdafcns via @city_bruxelles`,
          },
        }),
      },
      linkCitation('KNbFdafcns', [at(html, 'short-link', 'https://t.co/KNbFdafcns')], 'post:1729181542325883288'),
    ]);
    expectOffsetsHold(html, document.citations);
  });

  it('reads the title from og:title', () => {
    expect(document.title).toBe(
      'Casablanca : un employé de centre d’appels arrêté pour menaces terroristes et tentatives d’extorsion',
    );
  });

  it('takes contexts from the text, not the markup', () => {
    const embedContext = document.citations[0]?.occurrences[0]?.context ?? '';
    expect(embedContext).toContain('#مكافحة_الإجرام_السيبراني توقيف');
    expect(embedContext).not.toMatch(/[<>]|&mdash;/);
  });
});
