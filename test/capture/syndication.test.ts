import { describe, expect, it } from 'vitest';
import {
  largestPhotoUrl,
  readSyndicationAnswer,
  syndicationToken,
  syndicationUrl,
} from '../../src/capture/syndication.js';
import { snowflakeTime } from '../../src/model/index.js';

describe('syndicationToken', () => {
  it.each([
    ['1729555061938819317', '46xk2hmk5od'],
    ['1629307668568633344', '3y6mctgwzxo'],
    ['20', '6dq1a2xwd93'],
  ])('id %s -> %s (the widget formula, JavaScript number formatting included)', (id, token) => {
    expect(syndicationToken(id)).toBe(token);
  });

  it('builds the endpoint URL with the exact token', () => {
    expect(syndicationUrl('1729555061938819317')).toBe(
      'https://cdn.syndication.twimg.com/tweet-result?id=1729555061938819317&lang=en&token=46xk2hmk5od',
    );
  });
});

describe('snowflakeTime', () => {
  it.each([
    ['1729555061938819317', '2023-11-28T17:37:15.002Z'],
    ['1729135262233043236', '2023-11-27T13:49:06.953Z'],
    ['29700859247', '2010-11-04T01:43:01.738Z'],
  ])('%s -> %s, without losing precision past 2^53', (id, iso) => {
    expect(snowflakeTime(id)).toBe(iso);
  });

  it.each(['29700859246', '20', '', 'abc', '99999999999999999999999'])('has no time for %j', (id) => {
    expect(snowflakeTime(id)).toBeUndefined();
  });
});

describe('readSyndicationAnswer', () => {
  const tweet = {
    __typename: 'Tweet',
    id_str: '1729555061938819317',
    text: 'توقيف مستخدم https://t.co/rdI6rg3QRE',
    created_at: '2023-11-28T17:37:15.000Z',
    lang: 'ar',
    entities: {
      urls: [
        {
          url: 'https://t.co/abc',
          expanded_url: 'https://www.dgsn.gov.ma/x',
          display_url: 'dgsn.gov.ma/x',
          indices: [0, 1],
        },
      ],
    },
    user: { id_str: '1', name: 'DGSN MAROC', screen_name: 'DGSN_MAROC' },
    mediaDetails: [
      {
        type: 'photo',
        media_url_https: 'https://pbs.twimg.com/media/GAB12cdXwAA3xyz.jpg',
        ext_media_availability: { status: 'Available' },
      },
      {
        type: 'video',
        media_url_https: 'https://pbs.twimg.com/ext_tw_video_thumb/1/pu/img/x.jpg',
        video_info: {
          variants: [
            { bitrate: 256000, content_type: 'video/mp4', url: 'https://video.twimg.com/low.mp4' },
            { content_type: 'application/x-mpegURL', url: 'https://video.twimg.com/pl.m3u8' },
            { bitrate: 2176000, content_type: 'video/mp4', url: 'https://video.twimg.com/high.mp4' },
          ],
        },
      },
      { type: 'sticker', media_url_https: 'https://example.com/x' },
    ],
    quoted_tweet: { id_str: '1729000000000000000' },
    in_reply_to_status_id_str: '1728000000000000000',
  };

  it('reads a Tweet into post fields, photos at their largest size', () => {
    expect(readSyndicationAnswer(200, JSON.stringify(tweet))).toEqual({
      kind: 'tweet',
      post: {
        id: '1729555061938819317',
        url: 'https://x.com/DGSN_MAROC/status/1729555061938819317',
        handle: 'DGSN_MAROC',
        authorName: 'DGSN MAROC',
        createdAt: '2023-11-28T17:37:15.000Z',
        text: 'توقيف مستخدم https://t.co/rdI6rg3QRE',
        lang: 'ar',
        media: [
          { type: 'photo', url: 'https://pbs.twimg.com/media/GAB12cdXwAA3xyz?format=jpg&name=orig' },
          { type: 'video', url: 'https://video.twimg.com/high.mp4' },
        ],
        links: [{ url: 'https://t.co/abc', expandedUrl: 'https://www.dgsn.gov.ma/x' }],
        quotedId: '1729000000000000000',
        inReplyToId: '1728000000000000000',
      },
    });
  });

  it('survives a Tweet without user', () => {
    const { user: _user, ...withoutUser } = tweet;
    const verdict = readSyndicationAnswer(200, JSON.stringify(withoutUser));
    expect(verdict.kind).toBe('tweet');
    if (verdict.kind === 'tweet') {
      expect(verdict.post.handle).toBeUndefined();
      expect(verdict.post.url).toBe('https://x.com/i/status/1729555061938819317');
    }
  });

  it.each([
    [404, '', { kind: 'not-found' }],
    [200, '{}', { kind: 'inconclusive', reason: 'syndication answered JSON without a Tweet' }],
    [
      200,
      '<!DOCTYPE html><html><body>Something went wrong</body></html>',
      { kind: 'inconclusive', reason: 'syndication answered something that is not JSON' },
    ],
    [200, 'null', { kind: 'inconclusive', reason: 'syndication answered JSON that is not an object' }],
    [200, '[1]', { kind: 'inconclusive', reason: 'syndication answered JSON that is not an object' }],
    [429, '', { kind: 'inconclusive', reason: 'syndication answered HTTP 429', httpStatus: 429 }],
    [403, 'Forbidden', { kind: 'inconclusive', reason: 'syndication answered HTTP 403', httpStatus: 403 }],
    [
      200,
      '{"__typename":"TweetTombstone","tombstone":{"text":{"text":"Age-restricted adult content."}}}',
      { kind: 'tombstone', text: 'Age-restricted adult content.' },
    ],
    [200, '{"__typename":"TweetTombstone"}', { kind: 'tombstone', text: '' }],
  ])('HTTP %i %j -> %j', (status, body, verdict) => {
    expect(readSyndicationAnswer(status, body)).toEqual(verdict);
  });
});

describe('largestPhotoUrl', () => {
  it.each([
    ['https://pbs.twimg.com/media/F_abc.jpg', 'https://pbs.twimg.com/media/F_abc?format=jpg&name=orig'],
    ['https://pbs.twimg.com/media/F_abc.png', 'https://pbs.twimg.com/media/F_abc?format=png&name=orig'],
    [
      'https://pbs.twimg.com/media/F_abc?format=jpg&name=small',
      'https://pbs.twimg.com/media/F_abc?format=jpg&name=orig',
    ],
  ])('%s -> %s', (input, expected) => {
    expect(largestPhotoUrl(input)).toBe(expected);
  });
});
