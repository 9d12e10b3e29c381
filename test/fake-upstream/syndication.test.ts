import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

import type { PostInput, PostState } from '../support/fake-upstream/index.js';
import { fetchAnswer, syndicationToken, useFakeUpstream } from '../support/fake-upstream/index.js';

const ID = '1729555061938819317';
const POST: PostInput = {
  id: ID,
  handle: 'DGSN_MAROC',
  name: 'DGSN MAROC',
  text: 'توقيف شخص للاشتباه في تورطه #المغرب @sudinfo_be',
  createdAt: '2023-11-28T10:15:00.000Z',
  lang: 'ar',
  photos: [{ url: 'https://pbs.twimg.com/media/GAbcDEF.jpg', width: 1600, height: 1200 }],
  mediaShortCode: 'rdI6rg3QRE',
  urls: [{ tco: 'https://t.co/Q558GooFYF', expanded: 'https://www.example.com/news/2023/11/28/extortion' }],
};

const fake = useFakeUpstream();

function tweetResultUrl(id: string, token = syndicationToken(id)): string {
  return `https://cdn.syndication.twimg.com/tweet-result?id=${id}&lang=en&token=${token}`;
}

async function fetchJson(url: string): Promise<{ status: number; json: unknown }> {
  const answer = await fetchAnswer(fake.agent, url);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  return { status: answer.status, json: JSON.parse(answer.text) };
}

describe('the token', () => {
  it('is react-tweet’s formula, JavaScript number formatting included', () => {
    expect(syndicationToken(ID)).toBe(((Number(ID) / 1e15) * Math.PI).toString(36).replace(/(0+|\.)/g, ''));
    expect(syndicationToken(ID)).toBe('46xk2hmk5od');
  });

  it('refuses a wrong or missing token with a 400 that is not JSON', async () => {
    fake.upstream.addPost(POST);
    for (const url of [
      tweetResultUrl(ID, 'wrongtoken'),
      `https://cdn.syndication.twimg.com/tweet-result?id=${ID}&lang=en`,
    ]) {
      const answer = await fetchAnswer(fake.agent, url);
      expect(answer.status).toBe(400);
      expect(answer.headers['content-type']).toMatch(/^text\/plain/);
      expect(() => JSON.parse(answer.text) as unknown).toThrow();
    }
  });

  it('refuses a token that drops the dot but keeps the zeros', async () => {
    const id = '1730000000000000000';
    fake.upstream.addPost({ ...POST, id });
    const raw = ((Number(id) / 1e15) * Math.PI).toString(36);
    expect(raw).toBe('46y.ye21k80o');
    expect(syndicationToken(id)).toBe('46yye21k8o');
    expect((await fetchAnswer(fake.agent, tweetResultUrl(id, raw.replace('.', '')))).status).toBe(400);
    expect((await fetchAnswer(fake.agent, tweetResultUrl(id))).status).toBe(200);
  });
});

describe('a public post', () => {
  it('is a Tweet with react-tweet’s field shapes', async () => {
    fake.upstream.addPost(POST);
    const { status, json } = await fetchJson(tweetResultUrl(ID));
    expect(status).toBe(200);
    const text = `${POST.text} https://t.co/Q558GooFYF https://t.co/rdI6rg3QRE`;
    expect(json).toMatchObject({
      __typename: 'Tweet',
      id_str: ID,
      text,
      created_at: '2023-11-28T10:15:00.000Z',
      lang: 'ar',
      display_text_range: [0, [...text].length - ' https://t.co/rdI6rg3QRE'.length],
      entities: {
        hashtags: [{ text: 'المغرب', indices: [28, 35] }],
        user_mentions: [{ screen_name: 'sudinfo_be', indices: [36, 47] }],
        urls: [
          {
            url: 'https://t.co/Q558GooFYF',
            expanded_url: 'https://www.example.com/news/2023/11/28/extortion',
            display_url: 'example.com/news/2023/11/…',
            indices: [48, 71],
          },
        ],
        media: [
          {
            url: 'https://t.co/rdI6rg3QRE',
            display_url: 'pic.twitter.com/rdI6rg3QRE',
            expanded_url: `https://twitter.com/DGSN_MAROC/status/${ID}/photo/1`,
            indices: [72, 95],
          },
        ],
      },
      user: {
        name: 'DGSN MAROC',
        screen_name: 'DGSN_MAROC',
        verified: false,
        is_blue_verified: false,
        profile_image_url_https: expect.stringMatching(/^https:\/\/pbs\.twimg\.com\/profile_images\//) as unknown,
      },
      mediaDetails: [
        {
          type: 'photo',
          media_url_https: 'https://pbs.twimg.com/media/GAbcDEF.jpg',
          ext_media_availability: { status: 'Available' },
          original_info: { width: 1600, height: 1200 },
          sizes: { large: { w: 1600, h: 1200, resize: 'fit' }, thumb: { w: 150, h: 150, resize: 'crop' } },
        },
      ],
      photos: [{ url: 'https://pbs.twimg.com/media/GAbcDEF.jpg', width: 1600, height: 1200 }],
      edit_control: { edit_tweet_ids: [ID], is_edit_eligible: false },
      isEdited: false,
      isStaleEdit: false,
      possibly_sensitive: false,
      favorite_count: 0,
      conversation_count: 0,
    });
    expect(typeof (json as { user: { id_str: unknown } }).user.id_str).toBe('string');
  });

  it('lists the versions of an edited post, oldest first, and says it was edited', async () => {
    const first = String(BigInt(ID) - 4194304000n);
    fake.upstream.addPost({ id: ID, handle: 'DGSN_MAROC', name: 'DGSN MAROC', text: 'x', editIds: [first, ID] });
    const { json } = await fetchJson(tweetResultUrl(ID));
    expect(json).toMatchObject({ edit_control: { edit_tweet_ids: [first, ID] }, isEdited: true });
    expect(() =>
      fake.upstream.addPost({ id: ID, handle: 'DGSN_MAROC', name: 'DGSN MAROC', text: 'x', editIds: [ID, first] }),
    ).toThrow(/editIds/);
  });

  it('dates a post without createdAt from its Snowflake id', async () => {
    fake.upstream.addPost({ id: ID, handle: 'DGSN_MAROC', name: 'DGSN MAROC', text: 'x' });
    const { json } = await fetchJson(tweetResultUrl(ID));
    expect(json).toMatchObject({
      created_at: new Date(Number((BigInt(ID) >> 22n) + 1288834974657n)).toISOString(),
      lang: 'en',
    });
  });

  it('embeds the quoted post and the parent while they are public', async () => {
    fake.upstream.addPost({ id: '1729000000000000001', handle: 'quoted', name: 'Quoted', text: 'original' });
    fake.upstream.addPost({ id: '1729000000000000002', handle: 'parent', name: 'Parent', text: 'question' });
    fake.upstream.addPost({ ...POST, quotedId: '1729000000000000001', inReplyToId: '1729000000000000002' });
    const { json } = await fetchJson(tweetResultUrl(ID));
    expect(json).toMatchObject({
      quoted_tweet: {
        id_str: '1729000000000000001',
        text: 'original',
        user: { screen_name: 'quoted' },
        self_thread: { id_str: '1729000000000000001' },
      },
      in_reply_to_status_id_str: '1729000000000000002',
      in_reply_to_screen_name: 'parent',
      parent: { id_str: '1729000000000000002', text: 'question', user: { screen_name: 'parent' } },
    });

    fake.upstream.setPostState('1729000000000000001', 'deleted');
    fake.upstream.setPostState('1729000000000000002', 'deleted');
    const { json: later } = await fetchJson(tweetResultUrl(ID));
    expect(later).not.toHaveProperty('quoted_tweet');
    expect(later).not.toHaveProperty('parent');
    expect(later).toMatchObject({ in_reply_to_status_id_str: '1729000000000000002' });
  });

  it('is gzipped for a client that accepts gzip, and plain for one that does not', async () => {
    fake.upstream.addPost(POST);
    const gzipped = await fetchAnswer(fake.agent, tweetResultUrl(ID), {
      headers: { 'accept-encoding': 'gzip, deflate, br' },
    });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.headers['vary']).toBe('Accept-Encoding');
    expect(JSON.parse(gunzipSync(gzipped.body).toString('utf8'))).toMatchObject({ id_str: ID });

    const plain = await fetchAnswer(fake.agent, tweetResultUrl(ID), {
      headers: { 'accept-encoding': 'gzip;q=0, identity' },
    });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(plain.body.toString('utf8'))).toMatchObject({ id_str: ID });
  });
});

describe('a post that is not public', () => {
  const tombstones: [PostState, RegExp][] = [
    ['protected', /^You’re unable to view this Post because this account owner limits who can view their Posts\./],
    ['age-gated', /^Age-restricted adult content\./],
    ['withheld', /withheld in your country/],
    ['rules-violation', /^This Post violated the X Rules\./],
  ];
  it.each(tombstones)('%s: 200 TweetTombstone', async (state, text) => {
    fake.upstream.addPost({ ...POST, state });
    const { status, json } = await fetchJson(tweetResultUrl(ID));
    expect(status).toBe(200);
    expect(json).toMatchObject({
      __typename: 'TweetTombstone',
      tombstone: { text: { text: expect.stringMatching(text) as unknown } },
    });
  });

  it.each(['deleted', 'suspended', 'syndication-only-404'] as const)('%s: 404 with an empty body', async (state) => {
    fake.upstream.addPost({ ...POST, state });
    const answer = await fetchAnswer(fake.agent, tweetResultUrl(ID));
    expect(answer.status).toBe(404);
    expect(answer.body.length).toBe(0);
  });

  it('never added: 404 with an empty body', async () => {
    const answer = await fetchAnswer(fake.agent, tweetResultUrl('1729555061938819999'));
    expect(answer.status).toBe(404);
    expect(answer.body.length).toBe(0);
  });

  it('deleted after capture: the next request says so', async () => {
    fake.upstream.addPost(POST);
    expect((await fetchAnswer(fake.agent, tweetResultUrl(ID))).status).toBe(200);
    fake.upstream.setPostState(ID, 'deleted');
    expect((await fetchAnswer(fake.agent, tweetResultUrl(ID))).status).toBe(404);
  });
});

describe('the oddities', () => {
  it('answers 200 {} for an id that is not a number', async () => {
    const { status, json } = await fetchJson(tweetResultUrl('not-an-id'));
    expect(status).toBe(200);
    expect(json).toEqual({});
  });

  it('syndication-html: 200 with an HTML page', async () => {
    fake.upstream.addPost({ ...POST, state: 'syndication-html' });
    const answer = await fetchAnswer(fake.agent, tweetResultUrl(ID));
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^text\/html/);
    expect(answer.text).toMatch(/^<!DOCTYPE html>/);
  });

  it('syndication-empty: 200 {}', async () => {
    fake.upstream.addPost({ ...POST, state: 'syndication-empty' });
    expect(await fetchJson(tweetResultUrl(ID))).toEqual({ status: 200, json: {} });
  });

  it('syndication-no-user: a Tweet without user', async () => {
    fake.upstream.addPost({ ...POST, state: 'syndication-no-user' });
    const { json } = await fetchJson(tweetResultUrl(ID));
    expect(json).toMatchObject({ __typename: 'Tweet', id_str: ID });
    expect(json).not.toHaveProperty('user');
  });
});
