import { Parser } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { attributeValueSpan } from '../../src/extract/attribute-span.js';

/** What htmlparser2 itself reads as the tag's href: the span must agree with it. */
function parsedHref(tag: string): string | undefined {
  let href: string | undefined;
  new Parser({ onopentag: (_name, attributes) => (href ??= attributes['href']) }, { decodeEntities: false }).end(tag);
  return href;
}

function hrefAsWritten(tag: string): string | undefined {
  const span = attributeValueSpan(tag, 0, tag.lastIndexOf('>'), 'href');
  return span === undefined ? undefined : tag.slice(span.start, span.end);
}

describe('attributeValueSpan', () => {
  it.each([
    ['<a href="https://t.co/A">', 'https://t.co/A'],
    ["<a href='https://t.co/A'>", 'https://t.co/A'],
    ['<a href=https://t.co/A>', 'https://t.co/A'],
    ['<a href = "https://t.co/A" >', 'https://t.co/A'],
    ['<A HREF="https://t.co/A">', 'https://t.co/A'],
    ['<a class="x" href="https://t.co/A" title="y">', 'https://t.co/A'],
    ['<a title="href=&quot;https://t.co/Wrong&quot;" href="https://t.co/A">', 'https://t.co/A'],
    ['<a data-href="https://t.co/Wrong" href="https://t.co/A">', 'https://t.co/A'],
    ['<a href="https://t.co/A" href="https://t.co/Second">', 'https://t.co/A'],
    ['<a href="https://x.com/a/status/1?s=20&amp;t=b">', 'https://x.com/a/status/1?s=20&amp;t=b'],
    ['<a title="a > b" href="https://t.co/A">', 'https://t.co/A'],
    ['<a/href="https://t.co/A">', 'https://t.co/A'],
    ['<a title=x/y href=https://t.co/A/>', 'https://t.co/A/'],
    ['<a download href="https://t.co/A">', 'https://t.co/A'],
    ['<a href="">', ''],
    ['<a\nhref\n=\n"https://t.co/A">', 'https://t.co/A'],
  ])('reads %j as htmlparser2 does', (tag, expected) => {
    expect(hrefAsWritten(tag)).toBe(expected);
    expect(parsedHref(tag)).toBe(expected);
  });

  it.each(['<a>', '<a href>', '<a title="href=x">', '<a data-href="x">'])('finds no href value in %j', (tag) => {
    expect(hrefAsWritten(tag)).toBeUndefined();
  });
});
