import { describe, expect, it } from 'vitest';
import type { ExtractedCitation } from '../../src/extract/index.js';
import type { LinkCheck, LinkCheckEnd } from '../../src/model/index.js';
import { linksToCheck, resolveCitations } from '../../src/resolve/resolve-citations.js';

const AT = '2026-11-29T12:00:00.000Z';

function shortLink(code: string, offset: number, parent?: string): ExtractedCitation {
  const citation: ExtractedCitation = {
    id: `tco:${code}`,
    type: 'link',
    occurrences: [{ form: 'short-link', raw: `t.co/${code}`, offset, context: '' }],
    link: { url: `https://t.co/${code}` },
  };
  if (parent !== undefined) citation.parent = parent;
  return citation;
}

function check(code: string, end: LinkCheckEnd, finalUrl: string): [string, LinkCheck] {
  const url = `https://t.co/${code}`;
  return [
    url,
    { checkedAt: AT, link: { url, finalUrl, hops: [{ url, status: 301, location: finalUrl, via: 'http' }] }, end },
  ];
}

const page: LinkCheckEnd = {
  kind: 'page',
  capture: { at: AT, via: 'page', warc: { file: 'w', offset: 0, length: 1 }, sha256: 'ab'.repeat(32) },
};

describe('resolveCitations (pure, over link checks)', () => {
  it('names each link to check once', () => {
    expect(linksToCheck([shortLink('a', 0), shortLink('b', 5)])).toEqual(['https://t.co/a', 'https://t.co/b']);
  });

  it('gives a link its check: hops, end and time', () => {
    const [resolved] = resolveCitations([shortLink('a', 0)], new Map([check('a', page, 'https://news.test/a')]));
    expect(resolved).toMatchObject({
      id: 'tco:a',
      type: 'link',
      linkEnd: page,
      linkCheckedAt: AT,
      link: { finalUrl: 'https://news.test/a' },
    });
  });

  it('leaves a link without a check unresolved', () => {
    const [resolved] = resolveCitations([shortLink('a', 0)], new Map());
    expect(resolved?.linkEnd).toBeUndefined();
    expect(resolved?.link).toEqual({ url: 'https://t.co/a', hops: [] });
  });

  it('joins a link that leads to a post with the citation of that post', () => {
    const postUrl: ExtractedCitation = {
      id: 'post:20',
      type: 'post',
      occurrences: [{ form: 'post-url', raw: 'https://x.com/jack/status/20', offset: 50, context: '' }],
      post: {
        platform: 'twitter',
        id: '20',
        handle: 'jack',
        url: 'https://x.com/jack/status/20',
        media: [],
        links: [],
      },
    };
    const resolved = resolveCitations(
      [shortLink('a', 0), postUrl],
      new Map([check('a', { kind: 'post', id: '20', handle: 'jack' }, 'https://x.com/jack/status/20')]),
    );
    expect(resolved.map((citation) => citation.id)).toEqual(['post:20']);
    expect(resolved[0]?.occurrences.map((occurrence) => occurrence.offset)).toEqual([0, 50]);
  });

  it('identifies an embed by the photo link inside it, and re-parents its links', () => {
    const embed: ExtractedCitation = {
      id: 'embed:0123456789abcdef',
      type: 'post',
      occurrences: [{ form: 'embed', raw: '<blockquote', offset: 0, context: '' }],
      post: { platform: 'twitter', media: [], links: [], embed: { handle: 'Jack' } },
    };
    const resolved = resolveCitations(
      [embed, shortLink('quote', 10, embed.id), shortLink('photo', 20, embed.id)],
      new Map([
        check('quote', { kind: 'post', id: '19', handle: 'jack' }, 'https://x.com/jack/status/19'),
        check('photo', { kind: 'post', id: '20', handle: 'jack' }, 'https://x.com/jack/status/20/photo/1'),
      ]),
    );
    expect(resolved.map((citation) => [citation.id, citation.parent])).toEqual([
      ['post:20', undefined],
      ['post:19', 'post:20'],
    ]);
    expect(resolved[0]?.post).toMatchObject({ id: '20', handle: 'jack', url: 'https://x.com/jack/status/20' });
  });
});
