// All markup is hostile: these documents must be read to the end, without a
// stack overflow and without a regex that backtracks for ever. (How fast is for
// bench/extract.ts; here it only has to finish.)
import { describe, expect, it } from 'vitest';
import { extractFromHtml, extractFromText } from '../../src/extract/index.js';
import { expectOffsetsHold, readExample } from './helpers.js';

const NESTING_DEPTH = 40_000;

describe('deeply nested markup', () => {
  it('reads 40,000 nested elements and the link at the bottom', () => {
    const html = `<html><body>${'<div><span>'.repeat(NESTING_DEPTH / 2)}<a href="https://t.co/Deep000001">deep</a></body></html>`;
    const document = extractFromHtml(html);
    expect(document.citations.map((citation) => citation.id)).toEqual(['tco:Deep000001']);
    expectOffsetsHold(html, document.citations);
  });

  it('reads 10,000 nested embeds, each the parent of the next', () => {
    // 10,000 is deep enough for any recursion to overflow; htmlparser2's own
    // open-element stack makes deeper embed nesting slow (quadratic) to parse at all.
    const depth = 10_000;
    const html = Array.from(
      { length: depth },
      (_, index) => `<blockquote class="twitter-tweet"><p>post ${index}</p>`,
    ).join('');
    const document = extractFromHtml(html);
    expect(document.citations).toHaveLength(depth);
    expect(document.citations[1]?.parent).toBe(document.citations[0]?.id);
    expect(document.citations.at(-1)?.parent).toBe(document.citations.at(-2)?.id);
    expectOffsetsHold(html, document.citations);
  });

  it('reads 40,000 nested links, the innermost deciding which text is a link text', () => {
    const html = `${'<a href="https://t.co/Outer00001">'.repeat(NESTING_DEPTH)}https://t.co/Outer00001 https://t.co/Inner00001`;
    const ids = extractFromHtml(html).citations.map((citation) => [citation.id, citation.occurrences.length]);
    expect(ids).toEqual([
      ['tco:Outer00001', NESTING_DEPTH],
      ['tco:Inner00001', 1],
    ]);
  });
});

describe('malformed markup', () => {
  it.each([
    ['a tag cut off in an attribute', '<p>https://t.co/Before0001</p><a href="https://t.co/Cut'],
    ['a tag cut off in its name', '<p>https://t.co/Before0001</p><blockq'],
    ['an unterminated comment', '<p>https://t.co/Before0001</p><!-- https://t.co/Hidden0001'],
    ['an unterminated script', '<p>https://t.co/Before0001</p><script>https://t.co/Hidden0001'],
    ['stray end tags', '</a></blockquote></p></br><p>https://t.co/Before0001</div></amp-twitter>'],
    ['a broken entity', '<p>https://t.co/Before0001 &#xZZ; &amp &#99999999;</p>'],
  ])('reads %s', (_name, html) => {
    const document = extractFromHtml(html);
    expect(document.citations.map((citation) => citation.id)).toEqual(['tco:Before0001']);
    expectOffsetsHold(html, document.citations);
  });
});

describe('large and pathological text', () => {
  // Only has to finish: on a 2-core machine shared with other test runs, 50 MB
  // take from 20 s to over 30 s (bench/extract.ts measures speed).
  it('reads a 50 MB text', { timeout: 120_000 }, () => {
    const article = readExample('casablanca-extortion-2023-11.txt');
    const copies = Math.ceil(50_000_000 / (article.length + 2));
    const text = Array.from({ length: copies }, () => article).join('\n\n');
    const document = extractFromText(text);
    // Each copy repeats the same three residues and three links: six citations, each cited once a copy.
    expect(document.citations).toHaveLength(6);
    expect(document.citations.map((citation) => citation.occurrences.length)).toEqual(Array<number>(6).fill(copies));
    const lastResidue = document.citations[4]?.occurrences.at(-1);
    expect(lastResidue && text.substr(lastResidue.offset, lastResidue.raw.length)).toBe(lastResidue?.raw);
  });

  // None of these repeats is a citation but one (each copy of the endless query
  // runs into the next: one URL); what is tested is that 10 MB of each is read at all.
  it.each([
    ['trailers without dates', '— a (@a) ', 0],
    ['handles without closing parentheses', '(@aaaaaaaaaaaaaaaaaaaa', 0],
    ['dashes and digits', '— 2023 - 28 ', 0],
    ['hosts without paths', 'https://twitter.com/ t.co/ x.com/i/status/ ', 0],
    ['dots', '....co.co', 0],
    ['long host names', `${'a'.repeat(200)}.com/`, 0],
    ['a query that never ends', 'https://x.com/a/status/1?', 1],
    ['blank-ish lines', '\n \t \n', 0],
  ])('reads 10 MB of %s', (_name, unit, citations) => {
    const text = unit.repeat(Math.ceil(10_000_000 / unit.length));
    const document = extractFromText(text);
    expect(document.citations).toHaveLength(citations);
    expectOffsetsHold(text, document.citations.slice(0, 5));
  });

  it('reads a query tail of 1 MB without swallowing it', () => {
    const text = `https://x.com/a/status/1?${'a'.repeat(1_000_000)}`;
    const [citation] = extractFromText(text).citations;
    expect(citation?.occurrences[0]?.raw.length).toBeLessThanOrEqual(2048 + 'https://x.com/a/status/1'.length);
  });
});
