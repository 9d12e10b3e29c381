import { describe, expect, it } from 'vitest';

import { fetchAnswer, useFakeUpstream } from '../support/fake-upstream/index.js';

const TWITTER_URL = 'https://twitter.com/DGSN_MAROC/status/1729555061938819317';
const X_URL = 'https://x.com/DGSN_MAROC/status/1729555061938819317';
const OLD_JSON = '{"id_str":"1729555061938819317","text":"بلاغ"}';
const NEW_HTML = '<!DOCTYPE html><html><head><title>X</title></head><body><p>بلاغ</p></body></html>';

const fake = useFakeUpstream();

function addSnapshots(): void {
  // upstreams.md: older captures sit under twitter.com, often as JSON rather than HTML.
  fake.upstream.addWaybackSnapshot(TWITTER_URL, {
    timestamp: '20231128120000',
    body: OLD_JSON,
    contentType: 'application/json',
  });
  fake.upstream.addWaybackSnapshot(X_URL, { timestamp: '20240301080000', body: NEW_HTML });
}

async function availability(url: string, timestamp = '20231128'): Promise<unknown> {
  const answer = await fetchAnswer(
    fake.agent,
    `https://archive.org/wayback/available?url=${encodeURIComponent(url)}&timestamp=${timestamp}`,
  );
  expect(answer.status).toBe(200);
  return JSON.parse(answer.text);
}

describe('the availability API', () => {
  it('finds the twitter.com snapshot with or without the scheme', async () => {
    addSnapshots();
    for (const url of [
      TWITTER_URL,
      'twitter.com/DGSN_MAROC/status/1729555061938819317',
      'http://www.twitter.com/dgsn_maroc/status/1729555061938819317',
    ]) {
      expect(await availability(url)).toEqual({
        url,
        archived_snapshots: {
          closest: {
            available: true,
            url: `http://web.archive.org/web/20231128120000/${TWITTER_URL}`,
            timestamp: '20231128120000',
            status: '200',
          },
        },
        timestamp: '20231128',
      });
    }
  });

  it('finds the x.com snapshot under the x.com form only', async () => {
    addSnapshots();
    expect(await availability('x.com/DGSN_MAROC/status/1729555061938819317')).toMatchObject({
      archived_snapshots: {
        closest: { url: `http://web.archive.org/web/20240301080000/${X_URL}`, timestamp: '20240301080000' },
      },
    });
    fake.upstream.reset();
    fake.upstream.addWaybackSnapshot(TWITTER_URL, { timestamp: '20231128120000', body: OLD_JSON });
    expect(await availability(X_URL)).toEqual({ url: X_URL, archived_snapshots: {}, timestamp: '20231128' });
  });

  it('answers the snapshot closest to the timestamp', async () => {
    fake.upstream.addWaybackSnapshot(TWITTER_URL, { timestamp: '20231128120000', body: 'a' });
    fake.upstream.addWaybackSnapshot(TWITTER_URL, { timestamp: '20240601000000', body: 'b' });
    expect(await availability(TWITTER_URL, '20240501')).toMatchObject({
      archived_snapshots: { closest: { timestamp: '20240601000000' } },
    });
    expect(await availability(TWITTER_URL, '20231201')).toMatchObject({
      archived_snapshots: { closest: { timestamp: '20231128120000' } },
    });
  });

  it('answers empty archived_snapshots for a URL never archived', async () => {
    expect(await availability('https://twitter.com/nobody/status/1')).toMatchObject({ archived_snapshots: {} });
  });
});

describe('snapshots', () => {
  it('serves the archived body over https and http, as archived under id_', async () => {
    addSnapshots();
    for (const scheme of ['http', 'https']) {
      const answer = await fetchAnswer(fake.agent, `${scheme}://web.archive.org/web/20231128120000id_/${TWITTER_URL}`);
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe('application/json');
      expect(answer.text).toBe(OLD_JSON);
      expect(answer.headers['memento-datetime']).toBe('Tue, 28 Nov 2023 12:00:00 GMT');
    }
  });

  it('adds the Wayback banner to an HTML snapshot unless id_ is asked for', async () => {
    addSnapshots();
    const framed = await fetchAnswer(fake.agent, `https://web.archive.org/web/20240301080000/${X_URL}`);
    const raw = await fetchAnswer(fake.agent, `https://web.archive.org/web/20240301080000id_/${X_URL}`);
    expect(raw.text).toBe(NEW_HTML);
    expect(framed.text).toContain('<body><!-- BEGIN WAYBACK TOOLBAR INSERT -->');
  });

  it('redirects an inexact timestamp to the closest snapshot, and answers 404 where there is none', async () => {
    addSnapshots();
    const answer = await fetchAnswer(fake.agent, `https://web.archive.org/web/2023id_/${TWITTER_URL}`);
    expect(answer.status).toBe(302);
    expect(answer.headers['location']).toBe(`https://web.archive.org/web/20231128120000id_/${TWITTER_URL}`);
    expect(
      (await fetchAnswer(fake.agent, 'https://web.archive.org/web/2023/https://twitter.com/nobody/status/1')).status,
    ).toBe(404);
  });
});

describe('the CDX API', () => {
  it('lists the snapshots under a prefix, field names first', async () => {
    addSnapshots();
    fake.upstream.addWaybackSnapshot('https://twitter.com/DGSN_MAROC/status/1729000000000000000', {
      timestamp: '20231127090000',
      body: 'x',
    });
    fake.upstream.addWaybackSnapshot('https://twitter.com/someone/status/1', {
      timestamp: '20231127090000',
      body: 'x',
    });
    const answer = await fetchAnswer(
      fake.agent,
      'https://web.archive.org/cdx/search/cdx?url=twitter.com/DGSN_MAROC/status/*&from=20231101&to=20231130&output=json',
    );
    const rows = JSON.parse(answer.text) as string[][];
    expect(rows[0]).toEqual(['urlkey', 'timestamp', 'original', 'mimetype', 'statuscode', 'digest', 'length']);
    expect(rows.slice(1).map((row) => row.slice(0, 5))).toEqual([
      [
        'com,twitter)/dgsn_maroc/status/1729000000000000000',
        '20231127090000',
        'https://twitter.com/DGSN_MAROC/status/1729000000000000000',
        'text/html',
        '200',
      ],
      ['com,twitter)/dgsn_maroc/status/1729555061938819317', '20231128120000', TWITTER_URL, 'application/json', '200'],
    ]);
    expect(rows[2]?.[5]).toMatch(/^[A-Z2-7]{32}$/);
    expect(rows[2]?.[6]).toBe(String(Buffer.byteLength(OLD_JSON)));
  });

  it('answers [] when nothing matches', async () => {
    addSnapshots();
    const answer = await fetchAnswer(
      fake.agent,
      'https://web.archive.org/cdx/search/cdx?url=twitter.com/DGSN_MAROC/status/*&from=2020&to=2021&output=json',
    );
    expect(JSON.parse(answer.text)).toEqual([]);
  });
});

describe('the CDX API, with the parameters the residue lookup uses', () => {
  const CDX = 'https://web.archive.org/cdx/search/cdx';

  async function cdxJson(query: string): Promise<string[][]> {
    const answer = await fetchAnswer(fake.agent, `${CDX}?${query}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(answer.status).toBe(200);
    return JSON.parse(answer.text) as string[][];
  }

  function addCaptures(): void {
    for (const [url, timestamp] of [
      ['https://twitter.com/acc/status/1729100000000000001', '20231127100000'],
      ['https://twitter.com/acc/status/1729100000000000001', '20231128100000'],
      ['https://twitter.com/acc/status/1729100000000000001/photo/1', '20231129100000'],
      ['https://twitter.com/acc/status/1729200000000000002', '20231127110000'],
      ['https://twitter.com/acc/status/1730000000000000003', '20231201000000'],
      ['https://x.com/acc/status/1729100000000000004', '20240101000000'],
    ] as const) {
      fake.upstream.addWaybackSnapshot(url, { timestamp, body: url });
    }
  }

  it('lists the x.com form under its own prefix only', async () => {
    addCaptures();
    const rows = await cdxJson('url=x.com/acc/status/*&output=json&fl=original');
    expect(rows).toEqual([['original'], ['https://x.com/acc/status/1729100000000000004']]);
  });

  it('gives the fields fl names, in its order, and answers 400 for an unknown one', async () => {
    addCaptures();
    const rows = await cdxJson('url=twitter.com/acc/status/1730*&output=json&fl=timestamp,urlkey');
    expect(rows).toEqual([
      ['timestamp', 'urlkey'],
      ['20231201000000', 'com,twitter)/acc/status/1730000000000000003'],
    ]);
    expect((await fetchAnswer(fake.agent, `${CDX}?url=twitter.com/acc/*&fl=nonsense`)).status).toBe(400);
  });

  it('filters on a regex that must match the whole field, or must not with !', async () => {
    addCaptures();
    const kept = await cdxJson(
      `url=twitter.com/acc/status/17*&output=json&fl=urlkey&filter=${encodeURIComponent('urlkey:.*/status/(?:17291)[0-9]*.*')}`,
    );
    expect(kept.slice(1).map((row) => row[0])).toEqual([
      'com,twitter)/acc/status/1729100000000000001',
      'com,twitter)/acc/status/1729100000000000001',
      'com,twitter)/acc/status/1729100000000000001/photo/1',
    ]);
    const partial = await cdxJson(
      `url=twitter.com/acc/status/17*&output=json&fl=urlkey&filter=${encodeURIComponent('urlkey:17291')}`,
    );
    expect(partial).toEqual([]);
    const negated = await cdxJson(
      `url=twitter.com/acc/status/17*&output=json&fl=timestamp&filter=${encodeURIComponent('!timestamp:2023112.*')}`,
    );
    expect(negated).toEqual([['timestamp'], ['20231201000000']]);
  });

  it('collapses adjacent rows of one urlkey, and limits from the front or the back', async () => {
    addCaptures();
    const collapsed = await cdxJson('url=twitter.com/acc/status/*&output=json&fl=urlkey,timestamp&collapse=urlkey');
    expect(collapsed.slice(1)).toEqual([
      ['com,twitter)/acc/status/1729100000000000001', '20231127100000'],
      ['com,twitter)/acc/status/1729100000000000001/photo/1', '20231129100000'],
      ['com,twitter)/acc/status/1729200000000000002', '20231127110000'],
      ['com,twitter)/acc/status/1730000000000000003', '20231201000000'],
    ]);
    const byId = await cdxJson('url=twitter.com/acc/status/*&output=json&fl=urlkey&collapse=urlkey:43');
    expect(byId.length).toBe(1 + 3);
    expect((await cdxJson('url=twitter.com/acc/status/*&output=json&fl=timestamp&limit=2')).slice(1)).toEqual([
      ['20231127100000'],
      ['20231128100000'],
    ]);
    expect((await cdxJson('url=twitter.com/acc/status/*&output=json&fl=timestamp&limit=-1')).slice(1)).toEqual([
      ['20231201000000'],
    ]);
  });

  it('bounds by from and to as timestamp prefixes, and takes matchType=prefix for a trailing *', async () => {
    addCaptures();
    const rows = await cdxJson(
      'url=twitter.com/acc/status/&matchType=prefix&from=20231128&to=202311&output=json&fl=timestamp',
    );
    expect(rows.slice(1)).toEqual([['20231128100000'], ['20231129100000']]);
  });

  it('answers a planned 429 or 503 before anything else', async () => {
    addCaptures();
    fake.upstream.failNext('web.archive.org', [429, 503], { retryAfter: '1' });
    const first = await fetchAnswer(fake.agent, `${CDX}?url=twitter.com/acc/status/*&output=json`);
    const second = await fetchAnswer(fake.agent, `${CDX}?url=twitter.com/acc/status/*&output=json`);
    expect([first.status, first.headers['retry-after'], second.status]).toEqual([429, '1', 503]);
    expect((await fetchAnswer(fake.agent, `${CDX}?url=twitter.com/acc/status/*&output=json`)).status).toBe(200);
  });
});

describe('Wayback copies of posts', () => {
  const ID = '1729135262233043236';

  function addPost(): void {
    fake.upstream.addPost({
      id: ID,
      handle: 'sudinfo_be',
      name: 'Sudinfo.be',
      lang: 'fr',
      text: 'Alerte à la bombe & rançon',
      urls: [{ tco: 'https://t.co/Q558GooFYF', expanded: 'https://sudinfo.example.com/a' }],
    });
  }

  it('keeps a new capture as the HTML of the x.com page, with the text and its t.co links', async () => {
    addPost();
    fake.upstream.addWaybackCopy(ID, { timestamp: '20231127120000' });
    const answer = await fetchAnswer(
      fake.agent,
      `https://web.archive.org/web/20231127120000id_/https://x.com/sudinfo_be/status/${ID}`,
    );
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.text).toContain(
      '<div data-testid="tweetText" lang="fr" dir="auto">Alerte à la bombe &amp; rançon <a href="https://t.co/Q558GooFYF"',
    );
    expect(answer.text).toContain(
      '<meta property="og:description" content="“Alerte à la bombe &amp; rançon https://t.co/Q558GooFYF”">',
    );
  });

  it('keeps an old capture as the JSON of the twitter.com URL, listed by the CDX', async () => {
    addPost();
    fake.upstream.addWaybackCopy(ID, { timestamp: '20231127120000', form: 'twitter.com json' });
    const answer = await fetchAnswer(
      fake.agent,
      `https://web.archive.org/web/20231127120000id_/https://twitter.com/sudinfo_be/status/${ID}`,
    );
    expect(JSON.parse(answer.text)).toMatchObject({
      id_str: ID,
      full_text: 'Alerte à la bombe & rançon https://t.co/Q558GooFYF',
      created_at: 'Mon Nov 27 13:49:06 +0000 2023',
      entities: { urls: [{ url: 'https://t.co/Q558GooFYF', expanded_url: 'https://sudinfo.example.com/a' }] },
      user: { screen_name: 'sudinfo_be', name: 'Sudinfo.be' },
    });
    const rows = JSON.parse(
      (
        await fetchAnswer(
          fake.agent,
          'https://web.archive.org/cdx/search/cdx?url=twitter.com/sudinfo_be/status/*&output=json&fl=original,mimetype',
        )
      ).text,
    ) as string[][];
    expect(rows).toEqual([
      ['original', 'mimetype'],
      [`https://twitter.com/sudinfo_be/status/${ID}`, 'application/json'],
    ]);
  });

  it('refuses a copy of a post never added', () => {
    expect(() => fake.upstream.addWaybackCopy('1', { timestamp: '20231127120000' })).toThrow(/no post 1/);
  });
});
