// The forms of issue 9, items 5 to 8, where an occurrence's exact place matters:
// which dash a trailer's name starts after, the frame a rendered embed leaves,
// and where a residue's passage (its `raw` and `post.embed.text`) starts.
// test/extract/forms.test.ts checks the same fixtures for what they cite.
import { describe, expect, it } from 'vitest';
import { extractFromHtml, extractFromText, type ExtractedCitation } from '../../src/extract/index.js';
import { expectOffsetsHold, offsetOf, readFixture } from './helpers.js';

function postByHandle(citations: readonly ExtractedCitation[], handle: string): ExtractedCitation {
  const found = citations.filter((citation) => citation.post?.handle === handle);
  expect(found, `one citation of @${handle}`).toHaveLength(1);
  const [citation] = found;
  if (citation === undefined) throw new Error(`no citation of @${handle}`);
  return citation;
}

describe('a display name with a spaced hyphen', () => {
  it('starts after the em dash earlier on the line, in text, in a markdown quote and in an embed', () => {
    const text = extractFromText(readFixture('spaced-hyphen-names.txt')).citations;
    expect(postByHandle(text, 'partido_ejemplo').post?.embed?.authorName).toBe('Partido Ejemplo - PE');
    expect(postByHandle(text, 'union_exemple').post?.embed?.authorName).toBe('Union Exemple - UE');
    expect(postByHandle(text, 'gep_north_ex').post?.embed?.authorName).toBe(
      'Green Example Party - Northern Branch – NB',
    );
    const markdown = extractFromText(readFixture('spaced-hyphen-names.md')).citations;
    expect(postByHandle(markdown, 'partido_ejemplo').post?.embed?.authorName).toBe('Partido Ejemplo - PE');
    const html = extractFromHtml(readFixture('spaced-hyphen-names.html')).citations;
    expect(postByHandle(html, 'partido_ejemplo').post?.embed?.authorName).toBe('Partido Ejemplo - PE');
    expect(postByHandle(html, 'liga_ejemplo').post?.embed?.authorName).toBe('Liga Ejemplo – LE – Coalición');
  });

  it('leaves the spaced hyphen the dash where an em dash before it would make no display name', () => {
    const source = readFixture('spaced-hyphen-names.txt');
    const citations = extractFromText(source).citations;
    // The em dash is the post's own: what follows it holds a link, or is longer than a name can be.
    const townHall = postByHandle(citations, 'townhall_ex');
    expect(townHall.post?.embed).toMatchObject({
      authorName: 'Town Hall Example',
      text: 'Great news — the town hall is open again! pic.twitter.com/PeHyTx0003',
    });
    expect(postByHandle(citations, 'townclerk_ex').post?.embed?.authorName).toBe('Town Clerk Example');
    expect(postByHandle(citations, 'county_elect_ex').post?.embed?.authorName).toBe('County Elections Office');
    expectOffsetsHold(source, citations);
  });
});

describe('a dash stored as %u2014', () => {
  it('is the trailer dash, and the escaped quotes of the text read as quotes', () => {
    const source = readFixture('escaped-dashes.txt');
    const citations = extractFromText(source).citations;
    const airline = postByHandle(citations, 'cia_aerea_ex');
    expect(airline.post?.embed).toEqual({
      authorName: 'Companhia Aérea Exemplo',
      handle: 'cia_aerea_ex',
      dateText: '5 de outubro de 2018',
      date: '2018-10-05',
      text: '“Todas as partidas estão suspensas até as 18h”, diz a nota. https://t.co/PtEsTx0002',
    });
    // The occurrence is the text as written, escapes and all.
    const raw =
      '%u201CTodas as partidas estão suspensas até as 18h%u201D, diz a nota. https://t.co/PtEsTx0002 %u2014 Companhia Aérea Exemplo (@cia_aerea_ex) 5 de outubro de 2018';
    expect(airline.occurrences).toMatchObject([{ form: 'attribution', raw, offset: offsetOf(source, raw) }]);
    expect(postByHandle(citations, 'aeroporto_t2_ex').post?.embed?.authorName).toBe('Aeroporto Exemplo - Terminal 2');
    expect(postByHandle(citations, 'porto_ex').post?.embed?.authorName).toBe('Porto Exemplo');
    expect(citations.some((citation) => citation.post?.handle === 'sindicato_ex')).toBe(false);
    expectOffsetsHold(source, citations);
  });

  it('is the dash of an embed trailer in HTML', () => {
    const citations = extractFromHtml(readFixture('escaped-dashes.html')).citations;
    expect(citations.find((citation) => citation.id === 'post:1048300000000000002')?.post?.embed).toEqual({
      authorName: 'Companhia Aérea Exemplo',
      handle: 'cia_aerea_ex',
      dateText: '5 de outubro de 2018',
      date: '2018-10-05',
      text: '“Voos retomados a partir das 19h” pic.twitter.com/PtEsHt0002',
    });
  });
});

describe('an embed saved after widgets.js ran', () => {
  const source = readFixture('rendered-embeds.html');
  const citations = extractFromHtml(source).citations;

  it('cites the post of each frame, the frame tag its occurrence', () => {
    const frame = (id: string): string => {
      const start = source.indexOf('<iframe', source.indexOf(`id=${id}`) - 700);
      return source.slice(start, source.indexOf('>', start) + 1);
    };
    for (const id of ['1712000000000000071', '1712000000000000072']) {
      const raw = frame(id);
      expect(raw).toContain(`id=${id}`);
      const citation = citations.find((candidate) => candidate.id === `post:${id}`);
      expect(citation?.occurrences).toMatchObject([{ form: 'embed', raw, offset: offsetOf(source, raw) }]);
      expect(citation?.post).toEqual({
        platform: 'twitter',
        id,
        url: `https://x.com/i/status/${id}`,
        media: [],
        links: [],
      });
    }
    const widget = citations.find((citation) => citation.id === 'post:915000000000000073');
    expect(widget?.occurrences[0]?.raw).toMatch(/^<twitter-widget class="twitter-tweet twitter-tweet-rendered"/);
    expectOffsetsHold(source, citations);
  });

  it('joins the frame to the blockquote of the same post, and cites no timeline, template or other frame', () => {
    const coast = citations.find((citation) => citation.id === 'post:1712000000000000074');
    expect(coast?.occurrences.map((occurrence) => occurrence.form)).toEqual(['embed', 'post-url', 'embed']);
    expect(coast?.post?.handle).toBe('coast_roads_ex');
    expect(citations.filter((citation) => citation.type === 'post').map((citation) => citation.id)).toEqual([
      'post:1712000000000000071',
      'post:1712000000000000072',
      'post:915000000000000073',
      'post:1712000000000000074',
    ]);
  });
});

describe('a residue passage is the post, not the article', () => {
  it('stops at a line break in a text stored without blank lines, and at a heading line', () => {
    const source = readFixture('passage-bounds-no-blank-lines.txt');
    const citations = extractFromText(source).citations;
    const raw =
      'Cycle counters on the bridge passed a million this year — Bridge Trust Example (@bridge_trust_ex) March 7, 2024';
    expect(postByHandle(citations, 'bridge_trust_ex').occurrences).toMatchObject([
      { form: 'attribution', raw, offset: offsetOf(source, raw) },
    ]);
    // A trailer alone under `#2` had no text to keep.
    const ferries = postByHandle(citations, 'example_ferries');
    expect(ferries.post?.embed?.text).toBeUndefined();
    expect(ferries.occurrences[0]?.raw).toBe('— Example Ferries (@example_ferries) March 5, 2024');
    expect(postByHandle(citations, 'harbour_rail_ex').post?.embed?.text).toBe(
      'Trains run every ten minutes from today on the Harbour line. pic.twitter.com/PassTx0001',
    );
    expectOffsetsHold(source, citations);
  });

  it('keeps a post’s own line breaks in a text with blank lines, up to the length a post can have', () => {
    const source = readFixture('passage-bounds.txt');
    const citations = extractFromText(source).citations;
    const [nightBuses, drivers] = citations.filter((citation) => citation.post?.handle === 'airport_bus_ex');
    expect(nightBuses?.post?.embed?.text).toBe(
      'Night buses return on the airport route from Friday. pic.twitter.com/PassTx0011',
    );
    // The prose line above would make the passage longer than any post.
    expect(drivers?.occurrences[0]?.raw).toMatch(/^Forty new drivers have finished/);
    expect(postByHandle(citations, 'ring_road_ex').post?.embed?.text).toBe(
      'Road works on the ring road: Lane 2 closed northbound until Sunday. Expect delays at junctions 4 to 6. https://t.co/PassTx0014',
    );
    expectOffsetsHold(source, citations);
  });

  it('cuts a line of prose and residue at the sentence after which the rest fits a post', () => {
    const source = readFixture('passage-bounds.txt');
    const ferries = postByHandle(extractFromText(source).citations, 'example_ferries');
    const raw =
      'We are sorry. Every cancelled crossing since March 1 will be refunded in full. pic.twitter.com/PassTx0013 — Example Ferries (@example_ferries) April 3, 2024';
    expect(ferries.occurrences).toMatchObject([{ form: 'attribution', raw, offset: offsetOf(source, raw) }]);
  });

  it('starts at a markdown list item, its marker left out', () => {
    const source = readFixture('passage-bounds.md');
    const citations = extractFromText(source).citations;
    const transport = postByHandle(citations, 'city_transport_ex');
    expect(transport.post?.embed?.text).toBe('Bus lane on Main Street opens Monday https://t.co/PassMd0002');
    expect(transport.occurrences[0]?.raw).toMatch(/^Bus lane on Main Street/);
    expect(postByHandle(citations, 'example_ferries').post?.embed?.text).toBeUndefined();
    expectOffsetsHold(source, citations);
  });

  it('in HTML, stops at <br><br>, at <br> then a line too long for the post, and at a heading element', () => {
    const source = readFixture('passage-bounds.html');
    const citations = extractFromHtml(source).citations;
    const [nightBuses, drivers] = citations.filter((citation) => citation.post?.handle === 'airport_bus_ex');
    expect(nightBuses?.occurrences[0]?.raw).toMatch(/^Night buses return/);
    expect(drivers?.occurrences[0]?.raw).toMatch(/^Forty new drivers/);
    expect(postByHandle(citations, 'example_ferries').post?.embed?.text).toBe(
      'We are sorry. Every cancelled crossing since March 1 will be refunded in full. pic.twitter.com/PassHt0003',
    );
    expect(postByHandle(citations, 'harbour_rail_ex').post?.embed?.text).toBeUndefined();
    expectOffsetsHold(source, citations);
  });

  it('makes <br></p> a paragraph break, so a trailer in the next <p> takes the paragraph before it only', () => {
    const html =
      '<p>Article prose that is not the post.<br></p><p>The post itself, kept as text<br></p>' +
      '<p>&mdash; Example Ferries (@example_ferries) April 3, 2024</p>';
    const [ferries] = extractFromHtml(html).citations;
    expect(ferries?.post?.embed?.text).toBe('The post itself, kept as text');
  });
});
