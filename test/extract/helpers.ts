import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { ExtractedCitation, ExtractedDocument } from '../../src/extract/index.js';
import type { Occurrence, Post, PostEmbed } from '../../src/model/index.js';

const FIXTURES = new URL('../fixtures/extract/', import.meta.url);
const EXAMPLES = new URL('../../examples/', import.meta.url);

export function readFixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

export function readFixtureBytes(name: string): Uint8Array {
  return readFileSync(new URL(name, FIXTURES));
}

export function readExample(name: string): string {
  return readFileSync(new URL(name, EXAMPLES), 'utf8');
}

/** Where the `nth` (1-based) copy of `raw` starts in `source`; fails the test when there is none. */
export function offsetOf(source: string, raw: string, nth = 1): number {
  let index = -1;
  for (let seen = 0; seen < nth; seen++) {
    index = source.indexOf(raw, index + 1);
    if (index < 0) throw new Error(`copy ${nth} of ${JSON.stringify(raw)} is not in the source`);
  }
  return index;
}

export type ExpectedOccurrence = Omit<Occurrence, 'context'>;

/** An occurrence expected at the `nth` copy of `raw` in `source`. */
export function at(source: string, form: Occurrence['form'], raw: string, nth = 1): ExpectedOccurrence {
  return { form, raw, offset: offsetOf(source, raw, nth) };
}

/** The citations with the contexts left out: contexts are checked on their own. */
export function withoutContexts(document: ExtractedDocument): unknown[] {
  return document.citations.map((citation) => ({
    ...citation,
    occurrences: citation.occurrences.map(({ context: _context, ...occurrence }) => occurrence),
  }));
}

/** The `embed:` id as contract and brief define it, computed independently of the code under test. */
export function embedId(embed: { handle?: string; date?: string; text?: string }): string {
  const key = `${embed.handle?.toLowerCase() ?? ''}|${embed.date ?? ''}|${(embed.text ?? '').normalize('NFC').replace(/\s+/g, ' ').trim()}`;
  return `embed:${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

export function post(fields: Omit<Post, 'platform' | 'media' | 'links'>): Post {
  return { platform: 'twitter', ...fields, media: [], links: [] };
}

/** A post citation read from an embed or residue. */
export function embeddedPost(options: {
  id?: string;
  handle: string;
  lang?: string;
  embed: Required<Pick<PostEmbed, 'authorName' | 'date' | 'dateText' | 'text'>>;
  urlHandle?: string;
}): Post {
  const { id, handle, lang, embed } = options;
  return post({
    ...(id === undefined ? {} : { id, url: `https://x.com/${handle}/status/${id}` }),
    handle,
    ...(lang === undefined ? {} : { lang }),
    text: embed.text,
    embed: { authorName: embed.authorName, handle, date: embed.date, dateText: embed.dateText, text: embed.text },
  });
}

export function linkCitation(code: string, occurrences: ExpectedOccurrence[], parent?: string): unknown {
  return {
    id: `tco:${code}`,
    type: 'link',
    occurrences,
    ...(parent === undefined ? {} : { parent }),
    link: { url: `https://t.co/${code}` },
  };
}

/** The rule of contract section 7 for every occurrence, plus what a context must be. */
export function expectOffsetsHold(source: string, citations: readonly ExtractedCitation[]): void {
  for (const citation of citations) {
    let previous = -1;
    for (const occurrence of citation.occurrences) {
      expect(source.substr(occurrence.offset, occurrence.raw.length), `${citation.id} at ${occurrence.offset}`).toBe(
        occurrence.raw,
      );
      expect(occurrence.offset, `${citation.id}: occurrences in document order`).toBeGreaterThan(previous);
      previous = occurrence.offset;
      expect(occurrence.context.length).toBeLessThanOrEqual(200);
      expect(occurrence.context).not.toMatch(/^\s|\s$|\s\s|[\u2028\u2029]/);
    }
  }
}
