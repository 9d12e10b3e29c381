import { describe, expect, it } from 'vitest';
import { CdxFormatError, cdxQueryUrl, mergeCdxPosts, parseCdxAnswer } from '../../src/capture/cdx.js';

const FIELDS = ['urlkey', 'timestamp', 'original', 'mimetype', 'statuscode', 'digest', 'length'];

describe('parseCdxAnswer', () => {
  it('reads ids from twitter.com and x.com status URLs, each once, snapshots oldest first', () => {
    const answer = JSON.stringify([
      FIELDS,
      [
        'com,twitter)/sudinfo_be/status/1729135262233043236',
        '20231201000000',
        'https://twitter.com/sudinfo_be/status/1729135262233043236',
        'application/json',
        '200',
        'X',
        '1',
      ],
      [
        'com,twitter)/sudinfo_be/status/1729135262233043236',
        '20231127101500',
        'https://twitter.com/Sudinfo_BE/status/1729135262233043236?s=20',
        'text/html',
        '200',
        'X',
        '1',
      ],
      [
        'com,x)/sudinfo_be/status/1729135262233043236/photo/1',
        '20240301080000',
        'https://x.com/sudinfo_be/status/1729135262233043236/photo/1',
        'text/html',
        '200',
        'X',
        '1',
      ],
      [
        'com,twitter)/sudinfo_be/status/1729140000000000000',
        '20231127120000',
        'http://twitter.com:80/sudinfo_be/status/1729140000000000000',
        'warc/revisit',
        '-',
        'X',
        '1',
      ],
      [
        'com,twitter)/sudinfo_be/status',
        '20231127120000',
        'https://twitter.com/sudinfo_be/status',
        'text/html',
        '404',
        'X',
        '1',
      ],
    ]);
    const posts = parseCdxAnswer(answer);
    expect(posts.map((post) => post.id)).toEqual(['1729135262233043236', '1729140000000000000']);
    expect(posts[0]?.snapshots.map((snapshot) => snapshot.timestamp)).toEqual([
      '20231127101500',
      '20231201000000',
      '20240301080000',
    ]);
    expect(posts[0]?.snapshots[0]).toEqual({
      timestamp: '20231127101500',
      original: 'https://twitter.com/Sudinfo_BE/status/1729135262233043236?s=20',
      mimetype: 'text/html',
      statuscode: '200',
    });
    expect(posts[1]?.snapshots[0]?.statuscode).toBe('-');
  });

  it('reads the columns by the names in the first row, whatever fl asked for', () => {
    const posts = parseCdxAnswer(
      JSON.stringify([
        ['original', 'timestamp'],
        ['x.com/a/status/1729135262233043236', '20231127101500'],
      ]),
    );
    expect(posts).toEqual([
      {
        id: '1729135262233043236',
        handle: 'a',
        snapshots: [{ timestamp: '20231127101500', original: 'x.com/a/status/1729135262233043236' }],
      },
    ]);
  });

  it('keeps ids past 2^53 exact', () => {
    const posts = parseCdxAnswer(
      JSON.stringify([
        FIELDS,
        ['k', '20231127101500', 'https://twitter.com/a/status/9007199254740993123', 'text/html', '200', 'D', '1'],
      ]),
    );
    expect(posts[0]?.id).toBe('9007199254740993123');
  });

  it.each([
    ['an empty array', '[]'],
    ['an empty body', ''],
    ['field names only', JSON.stringify([FIELDS])],
  ])('finds nothing in %s', (_what, body) => {
    expect(parseCdxAnswer(body)).toEqual([]);
  });

  it.each([
    ['HTML', '<html>Too many requests</html>'],
    ['an object', '{"error":"x"}'],
    ['rows that are not strings', '[[1,2],[3,4]]'],
    [
      'field names without original',
      JSON.stringify([
        ['urlkey', 'timestamp'],
        ['k', '20231127101500'],
      ]),
    ],
  ])('refuses %s', (_what, body) => {
    expect(() => parseCdxAnswer(body)).toThrow(CdxFormatError);
  });
});

describe('mergeCdxPosts', () => {
  it('joins the twitter.com and x.com answers by id', () => {
    const twitter = [
      { id: '1', snapshots: [{ timestamp: '20231127000000', original: 'https://twitter.com/a/status/1' }] },
    ];
    const x = [
      { id: '1', handle: 'a', snapshots: [{ timestamp: '20240101000000', original: 'https://x.com/a/status/1' }] },
      { id: '2', snapshots: [{ timestamp: '20240101000000', original: 'https://x.com/a/status/2' }] },
    ];
    expect(mergeCdxPosts(twitter, x)).toEqual([
      { id: '1', handle: 'a', snapshots: [twitter[0]!.snapshots[0], x[0]!.snapshots[0]] },
      { id: '2', snapshots: [x[1]!.snapshots[0]] },
    ]);
  });
});

describe('cdxQueryUrl', () => {
  it('asks for the status URLs under an id prefix, from the window start, as JSON, each URL once', () => {
    const url = new URL(
      cdxQueryUrl({ host: 'x.com', handle: 'sudinfo_be', idPrefixes: ['17291', '17292'], from: '20231126' }),
    );
    expect(url.origin + url.pathname).toBe('https://web.archive.org/cdx/search/cdx');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      url: 'x.com/sudinfo_be/status/1729*',
      filter: 'urlkey:.*/status/(?:17291|17292)[0-9]*.*',
      from: '20231126',
      output: 'json',
      fl: 'urlkey,timestamp,original,mimetype,statuscode',
      collapse: 'urlkey',
    });
    expect(
      new URL(
        cdxQueryUrl({ host: 'twitter.com', handle: 'a', idPrefixes: ['172'], from: '20231126' }),
      ).searchParams.has('filter'),
    ).toBe(false);
  });
});
