import { describe, expect, it } from 'vitest';

import { fetchAnswer, useFakeUpstream } from '../support/fake-upstream/index.js';

const TWITTER_URL = 'https://twitter.com/DGSN_MAROC/status/1729555061938819317';
const X_URL = 'https://x.com/DGSN_MAROC/status/1729555061938819317';
const OLD_JSON = '{"id_str":"1729555061938819317","text":"بلاغ"}';
const NEW_HTML = '<!DOCTYPE html><html><head><title>X</title></head><body><p>بلاغ</p></body></html>';

const fake = useFakeUpstream();

function addSnapshots(): void {
  // upstreams.md: older captures sit under twitter.com, often as JSON rather than HTML.
  fake.upstream.addWaybackSnapshot(TWITTER_URL, { timestamp: '20231128120000', body: OLD_JSON, contentType: 'application/json' });
  fake.upstream.addWaybackSnapshot(X_URL, { timestamp: '20240301080000', body: NEW_HTML });
}

async function availability(url: string, timestamp = '20231128'): Promise<unknown> {
  const answer = await fetchAnswer(fake.agent, `https://archive.org/wayback/available?url=${encodeURIComponent(url)}&timestamp=${timestamp}`);
  expect(answer.status).toBe(200);
  return JSON.parse(answer.text);
}

describe('the availability API', () => {
  it('finds the twitter.com snapshot with or without the scheme', async () => {
    addSnapshots();
    for (const url of [TWITTER_URL, 'twitter.com/DGSN_MAROC/status/1729555061938819317', 'http://www.twitter.com/dgsn_maroc/status/1729555061938819317']) {
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
      archived_snapshots: { closest: { url: `http://web.archive.org/web/20240301080000/${X_URL}`, timestamp: '20240301080000' } },
    });
    fake.upstream.reset();
    fake.upstream.addWaybackSnapshot(TWITTER_URL, { timestamp: '20231128120000', body: OLD_JSON });
    expect(await availability(X_URL)).toEqual({ url: X_URL, archived_snapshots: {}, timestamp: '20231128' });
  });

  it('answers the snapshot closest to the timestamp', async () => {
    fake.upstream.addWaybackSnapshot(TWITTER_URL, { timestamp: '20231128120000', body: 'a' });
    fake.upstream.addWaybackSnapshot(TWITTER_URL, { timestamp: '20240601000000', body: 'b' });
    expect(await availability(TWITTER_URL, '20240501')).toMatchObject({ archived_snapshots: { closest: { timestamp: '20240601000000' } } });
    expect(await availability(TWITTER_URL, '20231201')).toMatchObject({ archived_snapshots: { closest: { timestamp: '20231128120000' } } });
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
    expect((await fetchAnswer(fake.agent, 'https://web.archive.org/web/2023/https://twitter.com/nobody/status/1')).status).toBe(404);
  });
});

describe('the CDX API', () => {
  it('lists the snapshots under a prefix, field names first', async () => {
    addSnapshots();
    fake.upstream.addWaybackSnapshot('https://twitter.com/DGSN_MAROC/status/1729000000000000000', { timestamp: '20231127090000', body: 'x' });
    fake.upstream.addWaybackSnapshot('https://twitter.com/someone/status/1', { timestamp: '20231127090000', body: 'x' });
    const answer = await fetchAnswer(
      fake.agent,
      'https://web.archive.org/cdx/search/cdx?url=twitter.com/DGSN_MAROC/status/*&from=20231101&to=20231130&output=json',
    );
    const rows = JSON.parse(answer.text) as string[][];
    expect(rows[0]).toEqual(['urlkey', 'timestamp', 'original', 'mimetype', 'statuscode', 'digest', 'length']);
    expect(rows.slice(1).map((row) => row.slice(0, 5))).toEqual([
      ['com,twitter)/dgsn_maroc/status/1729000000000000000', '20231127090000', 'https://twitter.com/DGSN_MAROC/status/1729000000000000000', 'text/html', '200'],
      ['com,twitter)/dgsn_maroc/status/1729555061938819317', '20231128120000', TWITTER_URL, 'application/json', '200'],
    ]);
    expect(rows[2]?.[5]).toMatch(/^[A-Z2-7]{32}$/);
    expect(rows[2]?.[6]).toBe(String(Buffer.byteLength(OLD_JSON)));
  });

  it('answers [] when nothing matches', async () => {
    addSnapshots();
    const answer = await fetchAnswer(fake.agent, 'https://web.archive.org/cdx/search/cdx?url=twitter.com/DGSN_MAROC/status/*&from=2020&to=2021&output=json');
    expect(JSON.parse(answer.text)).toEqual([]);
  });
});
