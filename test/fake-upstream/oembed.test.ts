import { describe, expect, it } from 'vitest';

import type { PostInput } from '../support/fake-upstream/index.js';
import { fetchAnswer, useFakeUpstream } from '../support/fake-upstream/index.js';

const ID = '1729123456789012345';
const POST: PostInput = {
  id: ID,
  handle: 'sudinfo_be',
  name: 'Sudinfo.be',
  text: 'Alerte à la bombe <gare> & évacuation\nsuite',
  createdAt: '2023-11-27T18:30:00.000Z',
  lang: 'fr',
  urls: [{ tco: 'https://t.co/Q558GooFYF', expanded: 'https://www.sudinfo.example.com/article' }],
};

const fake = useFakeUpstream();

function oembedUrl(statusUrl: string, extra = ''): string {
  return `https://publish.twitter.com/oembed?url=${encodeURIComponent(statusUrl)}&omit_script=1&dnt=true${extra}`;
}

describe('oEmbed of a public post', () => {
  it('answers the oEmbed JSON with the blockquote and its &mdash; trailer', async () => {
    fake.upstream.addPost(POST);
    const answer = await fetchAnswer(fake.agent, oembedUrl(`https://twitter.com/sudinfo_be/status/${ID}`));
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(answer.text)).toEqual({
      url: `https://twitter.com/sudinfo_be/status/${ID}`,
      author_name: 'Sudinfo.be',
      author_url: 'https://twitter.com/sudinfo_be',
      html:
        '<blockquote class="twitter-tweet" data-dnt="true"><p lang="fr" dir="ltr">Alerte à la bombe &lt;gare&gt; &amp; évacuation<br>suite ' +
        '<a href="https://t.co/Q558GooFYF">https://t.co/Q558GooFYF</a></p>&mdash; Sudinfo.be (@sudinfo_be) ' +
        `<a href="https://twitter.com/sudinfo_be/status/${ID}?ref_src=twsrc%5Etfw">November 27, 2023</a></blockquote>\n`,
      width: 550,
      height: null,
      type: 'rich',
      cache_age: '3153600000',
      provider_name: 'Twitter',
      provider_url: 'https://twitter.com',
      version: '1.0',
    });
  });

  it('finds the post from any handle and any status URL form, on twitter.com or x.com', async () => {
    fake.upstream.addPost(POST);
    for (const statusUrl of [
      `https://x.com/someone_else/status/${ID}`,
      `https://mobile.twitter.com/sudinfo_be/statuses/${ID}?s=20`,
      `https://twitter.com/i/web/status/${ID}`,
      `https://twitter.com/#!/sudinfo_be/status/${ID}`,
    ]) {
      const answer = await fetchAnswer(fake.agent, oembedUrl(statusUrl));
      expect(answer.status, statusUrl).toBe(200);
      expect(JSON.parse(answer.text)).toMatchObject({ url: `https://twitter.com/sudinfo_be/status/${ID}` });
    }
  });

  it('prints the date in the embed’s language, marks right-to-left text and adds the script unless omitted', async () => {
    fake.upstream.addPost({ ...POST, lang: 'ar', text: 'بلاغ' });
    const answer = await fetchAnswer(
      fake.agent,
      `https://publish.twitter.com/oembed?url=https://twitter.com/x/status/${ID}&lang=fr`,
    );
    const { html } = JSON.parse(answer.text) as { html: string };
    expect(html).toContain('<blockquote class="twitter-tweet" data-lang="fr">');
    expect(html).toContain('<p lang="ar" dir="rtl">بلاغ');
    expect(html).toContain('>27 novembre 2023</a></blockquote>');
    expect(html).toMatch(
      /<script async src="https:\/\/platform\.twitter\.com\/widgets\.js" charset="utf-8"><\/script>\n$/,
    );
  });

  it('shows the photo link as pic.twitter.com and links mentions and hashtags', async () => {
    fake.upstream.addPost({
      ...POST,
      text: 'Merci @DGSN_MAROC #Casablanca',
      urls: [],
      photos: [{ url: 'https://pbs.twimg.com/media/Xyz.jpg', width: 10, height: 10 }],
      mediaShortCode: 'rdI6rg3QRE',
    });
    const { html } = JSON.parse(
      (await fetchAnswer(fake.agent, oembedUrl(`https://twitter.com/sudinfo_be/status/${ID}`))).text,
    ) as { html: string };
    expect(html).toContain('<a href="https://twitter.com/DGSN_MAROC?ref_src=twsrc%5Etfw">@DGSN_MAROC</a>');
    expect(html).toContain(
      '<a href="https://twitter.com/hashtag/Casablanca?src=hash&amp;ref_src=twsrc%5Etfw">#Casablanca</a>',
    );
    expect(html).toContain(' <a href="https://t.co/rdI6rg3QRE">pic.twitter.com/rdI6rg3QRE</a></p>&mdash;');
  });

  it.each(['syndication-html', 'syndication-empty', 'syndication-no-user', 'syndication-only-404'] as const)(
    '%s: oEmbed still has it',
    async (state) => {
      fake.upstream.addPost({ ...POST, state });
      expect((await fetchAnswer(fake.agent, oembedUrl(`https://twitter.com/sudinfo_be/status/${ID}`))).status).toBe(
        200,
      );
    },
  );
});

describe('oEmbed of a post that is not public', () => {
  const statusUrl = `https://twitter.com/sudinfo_be/status/${ID}`;

  it('deleted: 404 with a body that is not JSON', async () => {
    fake.upstream.addPost({ ...POST, state: 'deleted' });
    const answer = await fetchAnswer(fake.agent, oembedUrl(statusUrl));
    expect(answer.status).toBe(404);
    expect(() => JSON.parse(answer.text) as unknown).toThrow();
  });

  it('never added: 404 with a body that is not JSON', async () => {
    const answer = await fetchAnswer(fake.agent, oembedUrl(statusUrl));
    expect(answer.status).toBe(404);
    expect(() => JSON.parse(answer.text) as unknown).toThrow();
  });

  it('protected: 403 with the not-authorized error', async () => {
    fake.upstream.addPost({ ...POST, state: 'protected' });
    const answer = await fetchAnswer(fake.agent, oembedUrl(statusUrl));
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.text)).toEqual({ error: 'Sorry, you are not authorized to see this status.' });
  });

  it('suspended: 403 saying the user has been suspended', async () => {
    fake.upstream.addPost({ ...POST, state: 'suspended' });
    const answer = await fetchAnswer(fake.agent, oembedUrl(statusUrl));
    expect(answer.status).toBe(403);
    expect(answer.text).toContain('User has been suspended');
  });

  it.each(['age-gated', 'withheld', 'rules-violation'] as const)('%s: 404', async (state) => {
    fake.upstream.addPost({ ...POST, state });
    expect((await fetchAnswer(fake.agent, oembedUrl(statusUrl))).status).toBe(404);
  });

  it('answers 400 without a url', async () => {
    expect((await fetchAnswer(fake.agent, 'https://publish.twitter.com/oembed')).status).toBe(400);
  });
});
