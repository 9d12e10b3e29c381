// The properties every citation of every fixture must have, whatever else its own
// test checks: each occurrence is exactly where it says it is.
import { describe, expect, it } from 'vitest';
import { extractFromHtml, extractFromText } from '../../src/extract/index.js';
import { readFixtureSources, type FixtureSource } from '../support/extract-forms.js';
import { expectOffsetsHold, readExample } from './helpers.js';

// Every fixture, text and markdown read as text, HTML decoded from its bytes.
const fixtures = readFixtureSources();
const examples: FixtureSource[] = [
  { name: 'example article (text)', source: readExample('casablanca-extortion-2023-11.txt'), extract: extractFromText },
  {
    name: 'example article (HTML)',
    source: readExample('casablanca-extortion-2023-11.html'),
    extract: extractFromHtml,
  },
];

describe.each([...fixtures, ...examples])('$name', ({ source, extract }) => {
  const document = extract(source);

  it('finds citations', () => {
    expect(document.citations.length).toBeGreaterThan(0);
  });

  it('puts every occurrence exactly at its offset: source.substr(offset, raw.length) === raw', () => {
    expectOffsetsHold(source, document.citations);
  });

  it('orders citations by first occurrence, gives each its own well-formed id, and parents that come before them', () => {
    const firstOffsets = document.citations.map((citation) => citation.occurrences[0]?.offset ?? -1);
    expect(firstOffsets).toEqual([...firstOffsets].sort((a, b) => a - b));
    const ids = document.citations.map((citation) => citation.id);
    expect(new Set(ids).size).toBe(ids.length);
    document.citations.forEach((citation, index) => {
      expect(citation.id).toMatch(/^(post:\d+|embed:[0-9a-f]{16}|tco:[A-Za-z0-9]+)$/);
      if (citation.parent !== undefined) expect(ids.slice(0, index)).toContain(citation.parent);
      if (citation.type === 'link') expect(citation.link?.url).toBe(`https://t.co/${citation.id.slice('tco:'.length)}`);
      else expect(citation.post?.platform).toBe('twitter');
    });
  });

  it('gives the same citations on every run', () => {
    expect(extract(source)).toEqual(document);
  });
});
