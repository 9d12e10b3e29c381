import { describe, expect, it } from 'vitest';
import { extractFromText } from '../../src/extract/index.js';
import {
  at,
  embedId,
  embeddedPost,
  expectOffsetsHold,
  linkCitation,
  post,
  readFixture,
  withoutContexts,
} from './helpers.js';

describe('embed residue in text', () => {
  const text = readFixture('residues.txt');
  const document = extractFromText(text);

  /** A residue citation: the passage before the dash, the trailer, and the post it stands for. */
  const residue = (options: {
    handle: string;
    authorName: string;
    trailer: string;
    text: string;
    dateText: string;
    date: string;
    id?: string;
  }) => {
    const embed = {
      authorName: options.authorName,
      date: options.date,
      dateText: options.dateText,
      text: options.text,
    };
    return {
      id: options.id === undefined ? embedId({ handle: options.handle, ...embed }) : `post:${options.id}`,
      type: 'post',
      occurrences: [at(text, 'attribution', `${options.text}${options.trailer}`)],
      post: embeddedPost({ handle: options.handle, embed, ...(options.id === undefined ? {} : { id: options.id }) }),
    };
  };

  const german = residue({
    handle: 'PolizeiMuenchen',
    authorName: 'Polizei München',
    text: 'Wegen einer Bombendrohung bleiben heute mehrere Schulen geschlossen. https://t.co/DeRes00001',
    trailer: ' – Polizei München (@PolizeiMuenchen) 28. November 2023',
    dateText: '28. November 2023',
    date: '2023-11-28',
  });
  const spanish = residue({
    handle: 'policia',
    authorName: 'Policía Nacional',
    text: 'Detenido el autor de las amenazas. pic.twitter.com/EsRes00002',
    trailer: ' &mdash; Policía Nacional (@policia) 28 de noviembre de 2023',
    dateText: '28 de noviembre de 2023',
    date: '2023-11-28',
  });
  const dutch = residue({
    handle: 'Politie_Adam',
    authorName: 'Politie Amsterdam',
    text: 'Bommelding in scholen: de lessen zijn geschorst.',
    trailer: ' - Politie Amsterdam (@Politie_Adam) 14 maart 2024',
    dateText: '14 maart 2024',
    date: '2024-03-14',
  });
  const italian = residue({
    handle: 'poliziadistato',
    authorName: 'Polizia di Stato',
    text: 'Minacce via email a scuole e alberghi',
    trailer: ' — Polizia di Stato (@poliziadistato) 3 luglio 2023',
    dateText: '3 luglio 2023',
    date: '2023-07-03',
  });
  const portuguese = residue({
    handle: 'PSPoficial',
    authorName: 'PSP',
    text: 'Ameaças de bomba em escolas',
    trailer: ' — PSP (@PSPoficial) 5 de dezembro de 2023',
    dateText: '5 de dezembro de 2023',
    date: '2023-12-05',
  });
  const arabic = residue({
    handle: 'NNALeb',
    authorName: 'الوكالة الوطنية للإعلام',
    text: 'توقيف مشتبه به في بيروت pic.twitter.com/ArRes00003',
    trailer: ' — الوكالة الوطنية للإعلام (@NNALeb) ٢٨ تشرين الثاني ٢٠٢٣',
    dateText: '٢٨ تشرين الثاني ٢٠٢٣',
    date: '2023-11-28',
  });
  const trailerAlone = residue({
    handle: 'NASA',
    authorName: 'NASA',
    text: "The launch, in the agency's own words.",
    trailer: '\n\n— NASA (@NASA) Feb 3, 2024',
    dateText: 'Feb 3, 2024',
    date: '2024-02-03',
  });
  const identified = residue({
    id: '1753808080808080808',
    handle: 'NASA',
    authorName: 'NASA',
    text: 'Watch the landing https://twitter.com/NASA/status/1753808080808080808/video/1',
    trailer: ' — NASA (@NASA) February 3, 2024',
    dateText: 'February 3, 2024',
    date: '2024-02-03',
  });
  const quoting = residue({
    handle: 'NASA',
    authorName: 'NASA',
    text: 'Quoting a colleague: https://x.com/esa/status/1753808080808080809',
    trailer: ' — NASA (@NASA) February 4, 2024',
    dateText: 'February 4, 2024',
    date: '2024-02-04',
  });

  it('reads every dash form and date language, back to the paragraph break, with links as children', () => {
    expect(withoutContexts(document)).toEqual([
      german,
      linkCitation('DeRes00001', [at(text, 'short-link', 'https://t.co/DeRes00001')], german.id),
      spanish,
      linkCitation('EsRes00002', [at(text, 'media-link', 'pic.twitter.com/EsRes00002')], spanish.id),
      dutch,
      // Two residues in one paragraph: the second starts where the first ends.
      italian,
      portuguese,
      arabic,
      linkCitation('ArRes00003', [at(text, 'media-link', 'pic.twitter.com/ArRes00003')], arabic.id),
      // A trailer alone in its paragraph takes the paragraph before it.
      trailerAlone,
      // A URL of the residue's own handle names its post...
      {
        ...identified,
        occurrences: [
          ...identified.occurrences,
          at(text, 'post-url', 'https://twitter.com/NASA/status/1753808080808080808/video/1'),
        ],
        post: { ...identified.post, url: 'https://x.com/NASA/status/1753808080808080808' },
      },
      // ...a URL of another handle is a post it quotes.
      quoting,
      {
        id: 'post:1753808080808080809',
        type: 'post',
        parent: quoting.id,
        occurrences: [at(text, 'post-url', 'https://x.com/esa/status/1753808080808080809')],
        post: post({ id: '1753808080808080809', url: 'https://x.com/esa/status/1753808080808080809', handle: 'esa' }),
      },
    ]);
    expectOffsetsHold(text, document.citations);
  });

  it('reads the same residue twice as one citation with two occurrences', () => {
    const passage = 'Schools closed today pic.twitter.com/Twice00001 — City (@city) May 5, 2023';
    const twice = extractFromText(`${passage}\n\nIn between.\n\n${passage}`);
    expect(
      twice.citations.map((citation) => [citation.id, citation.occurrences.map((occurrence) => occurrence.offset)]),
    ).toEqual([
      [
        embedId({ handle: 'city', date: '2023-05-05', text: 'Schools closed today pic.twitter.com/Twice00001' }),
        [0, passage.length + 15],
      ],
      ['tco:Twice00001', [21, passage.length + 15 + 21]],
    ]);
  });

  it('keeps a residue whose date no language reads, with dateText and no date; text that is no date is no residue', () => {
    const source =
      'Trains run again — North Line (@northline_ex) 31 Smarch 2021 and then more prose.\n\nAs — Someone (@someone_ex) said in 2019, nothing.';
    const document = extractFromText(source);
    expect(withoutContexts(document)).toEqual([
      {
        id: embedId({ handle: 'northline_ex', text: 'Trains run again' }),
        type: 'post',
        occurrences: [at(source, 'attribution', 'Trains run again — North Line (@northline_ex) 31 Smarch 2021')],
        post: post({
          handle: 'northline_ex',
          text: 'Trains run again',
          embed: {
            authorName: 'North Line',
            handle: 'northline_ex',
            dateText: '31 Smarch 2021',
            text: 'Trains run again',
          },
        }),
      },
    ]);
  });

  it('takes CRLF blank lines as paragraph breaks', () => {
    const crlf = extractFromText(
      'Earlier paragraph.\r\n\r\nToday pic.twitter.com/Crlf000001 — City (@city) May 5, 2023\r\n',
    );
    expect(crlf.citations[0]?.occurrences[0]?.raw).toBe('Today pic.twitter.com/Crlf000001 — City (@city) May 5, 2023');
  });
});

describe('post URLs in text', () => {
  const text = readFixture('post-url-forms.txt');
  const document = extractFromText(text);

  it('reads scheme-less, http and https forms as one citation an id, without the punctuation around them', () => {
    expect(withoutContexts(document)).toEqual([
      {
        id: 'post:20',
        type: 'post',
        occurrences: [
          at(text, 'post-url', 'https://twitter.com/jack/status/20'),
          at(text, 'post-url', 'http://x.com/jack/status/20?s=20&t=AbCdEfGh'),
          at(text, 'post-url', 'www.twitter.com/jack/statuses/20'),
          at(text, 'post-url', 'mobile.twitter.com/#!/jack/status/20/photo/1'),
          at(text, 'post-url', 'https://m.twitter.com/i/web/status/20#top'),
        ],
        post: post({ id: '20', url: 'https://x.com/jack/status/20', handle: 'jack' }),
      },
      {
        id: 'post:1729555061938819317',
        type: 'post',
        occurrences: [at(text, 'post-url', 'twitter.com/i/status/1729555061938819317')],
        post: post({ id: '1729555061938819317', url: 'https://x.com/i/status/1729555061938819317' }),
      },
      {
        id: 'post:1729555061938819318',
        type: 'post',
        occurrences: [at(text, 'post-url', 'https://mobile.x.com/NASA/status/1729555061938819318/video/1')],
        post: post({ id: '1729555061938819318', url: 'https://x.com/NASA/status/1729555061938819318', handle: 'NASA' }),
      },
    ]);
    expectOffsetsHold(text, document.citations);
  });

  it('keeps ids longer than 2^53 exact', () => {
    const [citation] = extractFromText('https://twitter.com/a/status/18446744073709551615').citations;
    expect(citation?.id).toBe('post:18446744073709551615');
  });
});
