import { describe, expect, it } from 'vitest';
import { deriveDocId, validateDocId, DOC_ID_PATTERN } from '../../src/model/index.js';

describe('validateDocId', () => {
  it.each(['a', 'article-2023.11_x', 'A'.repeat(200), '9lives'])('accepts %j', (id) => {
    expect(validateDocId(id)).toBe(id);
  });

  it.each(['', '../x', '.hidden', '-dash', 'a/b', 'a b', 'é', 'A'.repeat(201), 'x'.repeat(300)])('refuses %j', (id) => {
    expect(() => validateDocId(id)).toThrow(/--doc-id: invalid doc id .*expected 1 to 200 characters/);
  });
});

describe('deriveDocId', () => {
  it.each([
    [{ path: 'examples/casablanca-extortion-2023-11.txt' }, 'casablanca-extortion-2023-11'],
    [{ path: '/data/Le Soir — article (2).html' }, 'Le-Soir-article-2'],
    [{ path: '/data/.hidden.html' }, 'hidden'],
    [
      { url: 'https://www.lesoir.be/552631/article/2023-11-27/alerte-a-la-bombe?utm=1' },
      'www.lesoir.be-552631-article-2023-11-27-alerte-a-la-bombe-utm-1',
    ],
    [{ url: 'https://example.com/' }, 'example.com'],
  ])('derives %j -> %s', (source, expected) => {
    expect(deriveDocId(source)).toBe(expected);
  });

  it('derives a valid, stable id from anything', () => {
    for (const path of ['///', '….txt', 'a'.repeat(500), '—']) {
      const id = deriveDocId({ path });
      expect(id).toMatch(DOC_ID_PATTERN);
      expect(deriveDocId({ path })).toBe(id);
    }
    expect(deriveDocId({ content: Buffer.from('hello') })).toMatch(/^stdin-[0-9a-f]{16}$/);
  });

  it('keeps two long names with one start apart', () => {
    const a = deriveDocId({ path: `${'x'.repeat(300)}a.txt` });
    const b = deriveDocId({ path: `${'x'.repeat(300)}b.txt` });
    expect(a).not.toBe(b);
    expect(a.length).toBe(200);
  });
});
