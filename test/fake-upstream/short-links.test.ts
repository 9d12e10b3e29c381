import { describe, expect, it } from 'vitest';

import { fetchAnswer, useFakeUpstream } from '../support/fake-upstream/index.js';

const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const ARTICLE = 'https://news.example.com/2023/11/28/alerte?x=1&y=2';

const fake = useFakeUpstream();

describe('t.co', () => {
  it('answers a non-browser User-Agent with a 301 to the target, over https and http', async () => {
    fake.upstream.addShortLink('Q558GooFYF', ARTICLE);
    for (const scheme of ['https', 'http']) {
      const answer = await fetchAnswer(fake.agent, `${scheme}://t.co/Q558GooFYF`, {
        headers: { 'user-agent': 'curl/8.5.0' },
      });
      expect(answer.status).toBe(301);
      expect(answer.headers['location']).toBe(ARTICLE);
      expect(answer.body.length).toBe(0);
    }
  });

  it('treats a request with no User-Agent as a non-browser', async () => {
    fake.upstream.addShortLink('abc', ARTICLE);
    expect((await fetchAnswer(fake.agent, 'https://t.co/abc')).status).toBe(301);
  });

  it('answers a browser with a 200 page holding both the meta refresh and the script', async () => {
    fake.upstream.addShortLink('Q558GooFYF', ARTICLE);
    const answer = await fetchAnswer(fake.agent, 'https://t.co/Q558GooFYF', { headers: { 'user-agent': BROWSER } });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^text\/html/);
    expect(answer.headers['location']).toBeUndefined();
    expect(answer.text).toContain('<head>');
    expect(answer.text).toContain(
      '<noscript><META http-equiv="refresh" content="0;URL=https://news.example.com/2023/11/28/alerte?x=1&amp;y=2"></noscript>',
    );
    expect(answer.text).toContain('location.replace("https:\\/\\/news.example.com\\/2023\\/11\\/28\\/alerte?x=1&y=2")');
  });

  it('can serve the browser page without a <head>', async () => {
    fake.upstream.addShortLink('nohead', ARTICLE, { withoutHead: true });
    const answer = await fetchAnswer(fake.agent, 'https://t.co/nohead', { headers: { 'user-agent': BROWSER } });
    expect(answer.text).not.toContain('<head>');
    expect(answer.text).toMatch(/^<noscript><META http-equiv="refresh" content="0;URL=https:\/\/news\.example\.com\//);
    expect(answer.text).toContain('location.replace("https:\\/\\/news.example.com');
  });

  it('ignores ?amp=1', async () => {
    fake.upstream.addShortLink('abc', ARTICLE);
    const answer = await fetchAnswer(fake.agent, 'https://t.co/abc?amp=1');
    expect(answer.status).toBe(301);
    expect(answer.headers['location']).toBe(ARTICLE);
  });

  it('answers an unknown code with 404', async () => {
    expect((await fetchAnswer(fake.agent, 'https://t.co/unknown')).status).toBe(404);
    expect((await fetchAnswer(fake.agent, 'https://t.co/unknown', { headers: { 'user-agent': BROWSER } })).status).toBe(
      404,
    );
  });

  it('wraps an unsafe target in the twitter.com warning, in both forms', async () => {
    fake.upstream.addShortLink('risky', ARTICLE, { unsafe: true });
    const wrapped = `https://twitter.com/safety/unsafe_link_warning?unsafe_link=${encodeURIComponent(ARTICLE)}`;
    expect((await fetchAnswer(fake.agent, 'https://t.co/risky')).headers['location']).toBe(wrapped);
    const page = await fetchAnswer(fake.agent, 'https://t.co/risky', { headers: { 'user-agent': BROWSER } });
    expect(page.text).toContain(
      'https:\\/\\/twitter.com\\/safety\\/unsafe_link_warning?unsafe_link=https%3A%2F%2Fnews.example.com',
    );
  });

  it('registers the links and the photo link of an added post', async () => {
    fake.upstream.addPost({
      id: '1729555061938819317',
      handle: 'DGSN_MAROC',
      name: 'DGSN MAROC',
      text: 'بلاغ',
      photos: [{ url: 'https://pbs.twimg.com/media/GAbcDEF.jpg', width: 1600, height: 1200 }],
      mediaShortCode: 'rdI6rg3QRE',
      urls: [{ tco: 'https://t.co/Q558GooFYF', expanded: ARTICLE }],
    });
    expect((await fetchAnswer(fake.agent, 'https://t.co/rdI6rg3QRE')).headers['location']).toBe(
      'https://twitter.com/DGSN_MAROC/status/1729555061938819317/photo/1',
    );
    expect((await fetchAnswer(fake.agent, 'https://t.co/Q558GooFYF')).headers['location']).toBe(ARTICLE);
  });

  it('keeps a short link the test registered itself over the one a post implies', async () => {
    fake.upstream.addShortLink('Q558GooFYF', 'https://other.example.com/');
    fake.upstream.addPost({
      id: '20',
      handle: 'jack',
      name: 'jack',
      text: 'hi',
      urls: [{ tco: 'https://t.co/Q558GooFYF', expanded: ARTICLE }],
    });
    expect((await fetchAnswer(fake.agent, 'https://t.co/Q558GooFYF')).headers['location']).toBe(
      'https://other.example.com/',
    );
  });
});

describe('pic.twitter.com', () => {
  it('sends a client that asks it anyway to the same code on t.co', async () => {
    const answer = await fetchAnswer(fake.agent, 'https://pic.twitter.com/rdI6rg3QRE');
    expect(answer.status).toBe(301);
    expect(answer.headers['location']).toBe('https://t.co/rdI6rg3QRE');
  });
});

describe('twitter.com and x.com', () => {
  it('redirects every twitter.com host name to the same path and query on x.com', async () => {
    for (const host of ['twitter.com', 'www.twitter.com', 'mobile.twitter.com', 'm.twitter.com']) {
      const answer = await fetchAnswer(fake.agent, `https://${host}/DGSN_MAROC/status/1729555061938819317?s=20`);
      expect(answer.status).toBe(301);
      expect(answer.headers['location']).toBe('https://x.com/DGSN_MAROC/status/1729555061938819317?s=20');
    }
  });

  it('answers any status path on x.com with the login-wall shell, whatever the handle', async () => {
    for (const path of [
      '/DGSN_MAROC/status/1729555061938819317',
      '/anyone/status/1729555061938819317',
      '/DGSN_MAROC/status/1729555061938819317/photo/1',
    ]) {
      const answer = await fetchAnswer(fake.agent, `https://x.com${path}`, { headers: { 'user-agent': BROWSER } });
      expect(answer.status).toBe(200);
      expect(answer.text).toContain('<title>X</title>');
      expect(answer.text).toContain('JavaScript is not available.');
    }
  });

  it('sends www.x.com and plain http to https://x.com', async () => {
    expect((await fetchAnswer(fake.agent, 'https://www.x.com/a/status/1')).headers['location']).toBe(
      'https://x.com/a/status/1',
    );
    expect((await fetchAnswer(fake.agent, 'http://x.com/a/status/1')).headers['location']).toBe(
      'https://x.com/a/status/1',
    );
  });

  it('shows the unsafe-link warning at the end of a wrapped short link', async () => {
    const answer = await fetchAnswer(
      fake.agent,
      `https://x.com/safety/unsafe_link_warning?unsafe_link=${encodeURIComponent(ARTICLE)}`,
    );
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('this link may be unsafe');
    expect(answer.text).toContain('href="https://news.example.com/2023/11/28/alerte?x=1&amp;y=2"');
  });
});
