import { describe, expect, it } from 'vitest';
import { decodeHtmlBytes, extractFromHtml } from '../../src/extract/index.js';
import {
  at,
  embedId,
  embeddedPost,
  expectOffsetsHold,
  linkCitation,
  post,
  readFixture,
  readFixtureBytes,
  withoutContexts,
} from './helpers.js';

describe('embeds in eight languages', () => {
  const html = readFixture('embeds-by-language.html');
  const document = extractFromHtml(html);

  /** One embed of the fixture: its post, and the link inside it. */
  const embed = (options: {
    id: string;
    handle: string;
    lang: string;
    authorName: string;
    tag: string;
    text: string;
    dateText: string;
    date: string;
    link: { code: string; form: 'short-link' | 'media-link' };
  }): unknown[] => {
    const id = `post:${options.id}`;
    const statusUrl = `https://twitter.com/${options.handle}/status/${options.id}?ref_src=twsrc%5Etfw`;
    return [
      {
        id,
        type: 'post',
        occurrences: [at(html, 'embed', options.tag), at(html, 'post-url', statusUrl)],
        post: embeddedPost({
          id: options.id,
          handle: options.handle,
          lang: options.lang,
          embed: { authorName: options.authorName, date: options.date, dateText: options.dateText, text: options.text },
        }),
      },
      linkCitation(options.link.code, [at(html, options.link.form, `https://t.co/${options.link.code}`)], id),
    ];
  };

  it('reads each embed: status link, text, language, author, handle and the date printed in its language', () => {
    expect(withoutContexts(document)).toEqual([
      ...embed({
        id: '1729101010101010101',
        handle: 'lesoir',
        lang: 'fr',
        authorName: 'Le Soir',
        tag: '<blockquote class="twitter-tweet" data-lang="fr">',
        text: 'Alerte à la bombe dans plusieurs écoles de Bruxelles : les cours sont suspendus ce lundi. https://t.co/Fr4nc3Ab12',
        dateText: '27 novembre 2023',
        date: '2023-11-27',
        link: { code: 'Fr4nc3Ab12', form: 'short-link' },
      }),
      ...embed({
        id: '1729202020202020202',
        handle: 'polizeiberlin',
        lang: 'de',
        authorName: 'Polizei Berlin',
        tag: '<blockquote class="twitter-tweet tw-align-center" data-lang="de">',
        text: 'Wegen einer Bombendrohung bleiben heute mehrere Schulen geschlossen. Bitte meiden Sie den Bereich. pic.twitter.com/De7sch9Xy1',
        dateText: '28. November 2023',
        date: '2023-11-28',
        link: { code: 'De7sch9Xy1', form: 'media-link' },
      }),
      ...embed({
        id: '1729303030303030303',
        handle: 'policia',
        lang: 'es',
        authorName: 'Policía Nacional',
        tag: '<blockquote class="twitter-tweet" data-lang="es">',
        text: 'Detenido en Casablanca el autor de las amenazas de bomba contra colegios de Bruselas. https://t.co/EsPan0l123',
        dateText: '28 de noviembre de 2023',
        date: '2023-11-28',
        link: { code: 'EsPan0l123', form: 'short-link' },
      }),
      ...embed({
        id: '1767404040404040404',
        handle: 'PolitieAntwerp',
        lang: 'nl',
        authorName: 'Politie Antwerpen',
        tag: '<blockquote class="twitter-tweet" data-lang="nl">',
        text: 'Bommelding in verschillende scholen: de lessen zijn geschorst. https://t.co/NedEr1and2',
        dateText: '14 maart 2024',
        date: '2024-03-14',
        link: { code: 'NedEr1and2', form: 'short-link' },
      }),
      ...embed({
        id: '1675505050505050505',
        handle: 'poliziadistato',
        lang: 'it',
        authorName: 'Polizia di Stato',
        tag: '<blockquote class="twitter-tweet" data-lang="it">',
        text: 'Minacce via email a scuole e alberghi: individuato il responsabile. pic.twitter.com/ItaL1an0aa',
        dateText: '3 luglio 2023',
        date: '2023-07-03',
        link: { code: 'ItaL1an0aa', form: 'media-link' },
      }),
      ...embed({
        id: '1732006060606060606',
        handle: 'PSPoficial',
        lang: 'pt',
        authorName: 'PSP',
        tag: '<blockquote class="twitter-tweet" data-lang="pt">',
        text: 'Ameaças de bomba em escolas: suspeito detido em Marrocos. https://t.co/P0rtugu3s1',
        dateText: '5 de dezembro de 2023',
        date: '2023-12-05',
        link: { code: 'P0rtugu3s1', form: 'short-link' },
      }),
      ...embed({
        id: '1729555061938819317',
        handle: 'DGSN_MAROC',
        lang: 'ar',
        authorName: 'DGSN MAROC',
        tag: '<blockquote class="twitter-tweet" data-lang="ar">',
        text: 'توقيف مستخدم في مركز للنداء بمدينة الدار البيضاء. pic.twitter.com/Arab1c0007',
        dateText: '٢٨ نوفمبر ٢٠٢٣',
        date: '2023-11-28',
        link: { code: 'Arab1c0007', form: 'media-link' },
      }),
      ...embed({
        id: '1753808080808080808',
        handle: 'BBCWorld',
        lang: 'en',
        authorName: 'BBC News (World)',
        tag: '<blockquote class="twitter-video" data-status="hidden" data-lang="en">',
        text: 'Schools in Brussels closed after email bomb threats pic.twitter.com/EngL1sh008',
        dateText: 'February 3, 2024',
        date: '2024-02-03',
        link: { code: 'EngL1sh008', form: 'media-link' },
      }),
    ]);
    expect(document.title).toBe('Revue des réseaux : huit langues, huit publications');
    expectOffsetsHold(html, document.citations);
  });
});

describe('post URLs in links and in text', () => {
  const html = readFixture('post-url-forms.html');
  const document = extractFromHtml(html);

  it('makes every form of one id one citation, with each href as written and the text URLs that are not link texts', () => {
    expect(withoutContexts(document)).toEqual([
      {
        id: 'post:20',
        type: 'post',
        occurrences: [
          at(html, 'post-url', 'https://twitter.com/jack/status/20', 1),
          at(html, 'post-url', 'https://x.com/jack/status/20?s=20&amp;t=AbCdEfGh'),
          at(html, 'post-url', 'http://www.twitter.com/jack/statuses/20'),
          at(html, 'post-url', 'https://mobile.twitter.com/#!/jack/status/20/photo/1'),
          at(html, 'post-url', 'https://m.twitter.com/i/web/status/20#top'),
          // <a href="X">X</a>: the href only (copy 2), not its text (copy 3).
          at(html, 'post-url', 'https://twitter.com/jack/status/20', 2),
        ],
        post: post({ id: '20', url: 'https://x.com/jack/status/20', handle: 'jack' }),
      },
      {
        id: 'post:1729555061938819317',
        type: 'post',
        occurrences: [at(html, 'post-url', 'https://twitter.com/i/status/1729555061938819317')],
        post: post({ id: '1729555061938819317', url: 'https://x.com/i/status/1729555061938819317' }),
      },
      {
        id: 'post:1729555061938819318',
        type: 'post',
        occurrences: [
          at(html, 'post-url', 'https://mobile.x.com/NASA/status/1729555061938819318/video/1'),
          at(html, 'post-url', 'x.com/NASA/status/1729555061938819318', 2),
        ],
        post: post({ id: '1729555061938819318', url: 'https://x.com/NASA/status/1729555061938819318', handle: 'NASA' }),
      },
      {
        id: 'post:1729555061938819319',
        type: 'post',
        // The sentence's full stop is not part of the URL.
        occurrences: [at(html, 'post-url', 'https://www.x.com/i/web/status/1729555061938819319?ref_src=twsrc%5Etfw')],
        post: post({ id: '1729555061938819319', url: 'https://x.com/i/status/1729555061938819319' }),
      },
    ]);
    expectOffsetsHold(html, document.citations);
  });

  it('prefers og:title, decoded, to <title>', () => {
    expect(document.title).toBe('Every way to link a post & the ways that are not');
  });
});

describe('short links and media links', () => {
  const html = readFixture('short-links.html');
  const document = extractFromHtml(html);

  it('joins both forms of a code, keeps codes case-sensitive, and reads the href as written', () => {
    expect(withoutContexts(document)).toEqual([
      linkCitation('AbCdEf1234', [
        at(html, 'short-link', 'https://t.co/AbCdEf1234'),
        at(html, 'short-link', 'http://t.co/AbCdEf1234?amp=1'),
      ]),
      // <a href="https://t.co/X">pic.twitter.com/X</a> is one occurrence, and a media link.
      linkCitation('ZyXw987654', [
        at(html, 'media-link', 'https://t.co/ZyXw987654'),
        at(html, 'media-link', 'pic.twitter.com/ZyXw987654', 2),
      ]),
      linkCitation('abcdef1234', [at(html, 'short-link', 't.co/abcdef1234')]),
      linkCitation('ABCDEF1234', [at(html, 'short-link', 't.co/ABCDEF1234')]),
      linkCitation('Case1', [at(html, 'short-link', 'HTTPS://T.CO/Case1')]),
      linkCitation('Kq1', [at(html, 'short-link', 'https://t.co/Kq1')]),
      linkCitation('Other9', [at(html, 'media-link', 'pic.twitter.com/Other9')]),
      linkCitation('Entity1', [at(html, 'short-link', 'https://t.co/Ent&#105;ty1')]),
    ]);
    expectOffsetsHold(html, document.citations);
  });

  it('trims and collapses the <title>', () => {
    expect(document.title).toBe('Short links');
  });
});

describe('nested and malformed markup', () => {
  const html = readFixture('nested-malformed.html');
  const document = extractFromHtml(html);

  it('reads nested embeds as children of the embed around them, and embeds without a status id as embed: posts', () => {
    const lostLink = {
      authorName: 'Lost Link',
      date: '2023-05-01',
      dateText: 'May 1, 2023',
      text: 'No status link here https://t.co/NoStatus1',
    };
    const lostLinkId = embedId({ handle: 'lostlink', ...lostLink });
    const unclosedId = embedId({ text: 'Jamais fermé https://t.co/Unclosed1' });
    expect(withoutContexts(document)).toEqual([
      {
        id: 'post:1600000000000000002',
        type: 'post',
        occurrences: [
          at(html, 'embed', '<blockquote class="twitter-tweet" data-lang="en">'),
          at(html, 'post-url', 'https://twitter.com/outer/status/1600000000000000002?ref_src=twsrc%5Etfw'),
        ],
        post: embeddedPost({
          id: '1600000000000000002',
          handle: 'outer',
          lang: 'en',
          // A blockquote closes the <p> it opens in: the outer text ends there.
          embed: {
            authorName: 'Outer Author',
            date: '2022-12-02',
            dateText: 'December 2, 2022',
            text: 'Quoting myself https://t.co/OuterLnk1',
          },
        }),
      },
      linkCitation('OuterLnk1', [at(html, 'short-link', 'https://t.co/OuterLnk1')], 'post:1600000000000000002'),
      {
        id: 'post:1600000000000000001',
        type: 'post',
        parent: 'post:1600000000000000002',
        occurrences: [
          at(html, 'embed', '<blockquote class="twitter-tweet">', 1),
          at(html, 'post-url', 'https://twitter.com/inner/status/1600000000000000001?ref_src=twsrc%5Etfw'),
        ],
        post: embeddedPost({
          id: '1600000000000000001',
          handle: 'inner',
          lang: 'en',
          embed: {
            authorName: 'Inner Author',
            date: '2022-12-01',
            dateText: 'December 1, 2022',
            text: 'The quoted post pic.twitter.com/InnerLnk1',
          },
        }),
      },
      linkCitation('InnerLnk1', [at(html, 'media-link', 'https://t.co/InnerLnk1')], 'post:1600000000000000001'),
      {
        id: lostLinkId,
        type: 'post',
        occurrences: [at(html, 'embed', '<BLOCKQUOTE CLASS="twitter-tweet">')],
        post: embeddedPost({ handle: 'lostlink', lang: 'en', embed: lostLink }),
      },
      linkCitation('NoStatus1', [at(html, 'short-link', 'https://t.co/NoStatus1')], lostLinkId),
      // A blockquote without the embed class is a quotation: its links have no parent.
      linkCitation('PlainQuo1', [at(html, 'short-link', 'https://t.co/PlainQuo1')]),
      linkCitation('Misnest01', [at(html, 'short-link', 'https://t.co/Misnest01')]),
      {
        id: unclosedId,
        type: 'post',
        occurrences: [at(html, 'embed', '<blockquote class="twitter-tweet">', 2)],
        post: post({
          lang: 'fr',
          text: 'Jamais fermé https://t.co/Unclosed1',
          embed: { text: 'Jamais fermé https://t.co/Unclosed1' },
        }),
      },
      linkCitation('Unclosed1', [at(html, 'short-link', 'https://t.co/Unclosed1')], unclosedId),
    ]);
    expect(document.title).toBe('Nested & malformed');
    expectOffsetsHold(html, document.citations);
  });
});

describe('amp-twitter', () => {
  const html = readFixture('amp-twitter.html');
  const document = extractFromHtml(html);

  it('reads data-tweetid, and the placeholder blockquote as the same post', () => {
    expect(withoutContexts(document)).toEqual([
      {
        id: 'post:1729135262233043236',
        type: 'post',
        occurrences: [
          at(
            html,
            'embed',
            '<amp-twitter width="375" height="472" layout="responsive" data-tweetid="1729135262233043236">',
          ),
          at(html, 'post-url', 'https://twitter.com/sudinfo_be/status/1729135262233043236?ref_src=twsrc%5Etfw'),
        ],
        post: embeddedPost({
          id: '1729135262233043236',
          handle: 'sudinfo_be',
          lang: 'fr',
          embed: {
            authorName: 'Sudinfo.be',
            date: '2023-11-27',
            dateText: '27 novembre 2023',
            text: 'Alerte à la bombe dans 27 écoles à Bruxelles https://t.co/Q558GooFYF',
          },
        }),
      },
      linkCitation('Q558GooFYF', [at(html, 'short-link', 'https://t.co/Q558GooFYF')], 'post:1729135262233043236'),
      {
        id: 'post:885634330868850689',
        type: 'post',
        occurrences: [
          at(html, 'embed', '<amp-twitter width=486 height=657 layout="responsive" data-tweetid=885634330868850689>'),
        ],
        post: post({ id: '885634330868850689', url: 'https://x.com/i/status/885634330868850689' }),
      },
    ]);
    expectOffsetsHold(html, document.citations);
  });
});

describe('embed residue in HTML text', () => {
  const html = readFixture('residues.html');
  const document = extractFromHtml(html);

  it('reads a trailer outside an embed as residue, and an embed trailer as the embed', () => {
    const copyPaste = {
      authorName: 'DGSN MAROC',
      date: '2023-11-29',
      dateText: '29 novembre 2023',
      text: 'A copy-paste into a paragraph: Perquisitions en cours à Casablanca pic.twitter.com/CopyPaste1',
    };
    const copyPasteId = embedId({ handle: 'DGSN_MAROC', ...copyPaste });
    expect(withoutContexts(document)).toEqual([
      {
        // The trailer alone in its block takes the paragraph before it; the status
        // link in the trailer names the post.
        id: 'post:1729999999999999999',
        type: 'post',
        occurrences: [
          at(
            html,
            'attribution',
            'Schools reopen on Monday <a href="https://t.co/Sanitized1">pic.twitter.com/Sanitized1</a></p>&mdash; Brussels City (@city_bruxelles) <a href="https://twitter.com/city_bruxelles/status/1729999999999999999?ref_src=twsrc%5Etfw">November 30, 2023',
          ),
          at(html, 'post-url', 'https://twitter.com/city_bruxelles/status/1729999999999999999?ref_src=twsrc%5Etfw'),
        ],
        post: embeddedPost({
          id: '1729999999999999999',
          handle: 'city_bruxelles',
          embed: {
            authorName: 'Brussels City',
            date: '2023-11-30',
            dateText: 'November 30, 2023',
            text: 'Schools reopen on Monday pic.twitter.com/Sanitized1',
          },
        }),
      },
      linkCitation('Sanitized1', [at(html, 'media-link', 'https://t.co/Sanitized1')], 'post:1729999999999999999'),
      {
        id: copyPasteId,
        type: 'post',
        occurrences: [
          at(html, 'attribution', `${copyPaste.text} &mdash; DGSN MAROC (@DGSN_MAROC) 29 novembre&nbsp;2023`),
        ],
        post: embeddedPost({ handle: 'DGSN_MAROC', embed: copyPaste }),
      },
      linkCitation('CopyPaste1', [at(html, 'media-link', 'pic.twitter.com/CopyPaste1')], copyPasteId),
      {
        id: 'post:1729888888888888888',
        type: 'post',
        occurrences: [
          at(html, 'embed', '<blockquote class="twitter-tweet">'),
          at(html, 'post-url', 'https://twitter.com/realembed/status/1729888888888888888'),
        ],
        post: embeddedPost({
          id: '1729888888888888888',
          handle: 'realembed',
          lang: 'en',
          embed: { authorName: 'Real Embed', date: '2023-11-30', dateText: 'November 30, 2023', text: 'Embedded' },
        }),
      },
    ]);
    expectOffsetsHold(html, document.citations);
  });
});

describe('a windows-1252 page', () => {
  const { text: html, charset } = decodeHtmlBytes(readFixtureBytes('windows-1252.html'));
  const document = extractFromHtml(html);

  it('is decoded by its http-equiv charset and read with offsets into the decoded text', () => {
    expect(charset).toBe('windows-1252');
    const residue = {
      authorName: 'bruxelles city news',
      date: '2023-11-27',
      dateText: '27 novembre 2023',
      text: 'Le parquet a réagi : « enquête ouverte » https://t.co/KNbFdafcns',
    };
    const residueId = embedId({ handle: 'city_bruxelles', ...residue });
    expect(withoutContexts(document)).toEqual([
      {
        id: 'post:1729135262233043236',
        type: 'post',
        occurrences: [
          at(html, 'embed', '<blockquote class="twitter-tweet" data-lang="fr">'),
          at(html, 'post-url', 'https://twitter.com/sudinfo_be/status/1729135262233043236?ref_src=twsrc%5Etfw'),
        ],
        post: embeddedPost({
          id: '1729135262233043236',
          handle: 'sudinfo_be',
          lang: 'fr',
          embed: {
            authorName: 'Sudinfo.be',
            date: '2023-11-27',
            dateText: '27 novembre 2023',
            text: 'Alerte à la bombe : « un Noël sanguinaire vous attend » https://t.co/Q558GooFYF',
          },
        }),
      },
      linkCitation('Q558GooFYF', [at(html, 'short-link', 'https://t.co/Q558GooFYF')], 'post:1729135262233043236'),
      {
        id: residueId,
        type: 'post',
        occurrences: [
          at(html, 'attribution', `${residue.text} — bruxelles city news (@city_bruxelles) 27 novembre 2023`),
        ],
        post: embeddedPost({ handle: 'city_bruxelles', embed: residue }),
      },
      linkCitation('KNbFdafcns', [at(html, 'short-link', 'https://t.co/KNbFdafcns')], residueId),
    ]);
    expect(document.title).toBe('Alerte à la bombe — écoles fermées');
    expectOffsetsHold(html, document.citations);
  });
});

describe('what is not a citation', () => {
  it('ignores scripts, styles, attributes other than href, and comments', () => {
    const html =
      '<script>var u = "https://t.co/InScript01";</script><style>a[href="https://t.co/InStyle01"]{}</style>' +
      '<!-- https://t.co/InComment --><img src="https://twitter.com/a/status/1" data-src="https://t.co/InData001">' +
      '<iframe src="https://platform.twitter.com/embed/Tweet.html?id=2"></iframe>';
    expect(extractFromHtml(html).citations).toEqual([]);
  });

  it('ignores hashtag, mention and profile links inside an embed', () => {
    const html =
      '<blockquote class="twitter-tweet"><p lang="en"><a href="https://twitter.com/hashtag/news?src=hash">#news</a> with ' +
      '<a href="https://twitter.com/someone?ref_src=twsrc%5Etfw">@someone</a></p>&mdash; A (@a) ' +
      '<a href="https://twitter.com/a/status/5">May 5, 2023</a></blockquote>';
    expect(extractFromHtml(html).citations.map((citation) => citation.id)).toEqual(['post:5']);
  });

  it('reads nothing from an empty document', () => {
    expect(extractFromHtml('')).toEqual({ citations: [] });
  });
});
