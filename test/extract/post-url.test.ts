import { describe, expect, it } from 'vitest';
import { parsePostUrl } from '../../src/extract/index.js';

describe('parsePostUrl', () => {
  it.each([
    ['https://twitter.com/jack/status/20', { id: '20', handle: 'jack' }],
    ['http://twitter.com/jack/status/20', { id: '20', handle: 'jack' }],
    ['https://x.com/jack/status/20', { id: '20', handle: 'jack' }],
    ['https://www.twitter.com/jack/status/20', { id: '20', handle: 'jack' }],
    ['https://www.x.com/jack/status/20', { id: '20', handle: 'jack' }],
    ['https://mobile.twitter.com/jack/status/20', { id: '20', handle: 'jack' }],
    ['https://mobile.x.com/jack/status/20', { id: '20', handle: 'jack' }],
    ['https://m.twitter.com/jack/status/20', { id: '20', handle: 'jack' }],
    ['https://twitter.com/jack/statuses/20', { id: '20', handle: 'jack' }],
    ['https://twitter.com/i/web/status/20', { id: '20' }],
    ['https://x.com/i/status/20', { id: '20' }],
    ['https://twitter.com/#!/jack/status/20', { id: '20', handle: 'jack' }],
    ['https://twitter.com/jack/status/20/photo/1', { id: '20', handle: 'jack' }],
    ['https://x.com/jack/status/20/video/2', { id: '20', handle: 'jack' }],
    ['https://twitter.com/jack/status/20?s=20&t=AbCdEfGhIjKl', { id: '20', handle: 'jack' }],
    ['https://twitter.com/jack/status/20?ref_src=twsrc%5Etfw', { id: '20', handle: 'jack' }],
    ['https://twitter.com/jack/status/20#reply', { id: '20', handle: 'jack' }],
    ['https://twitter.com/jack/status/20/', { id: '20', handle: 'jack' }],
    ['twitter.com/jack/status/20', { id: '20', handle: 'jack' }],
    ['//x.com/jack/status/20', { id: '20', handle: 'jack' }],
    ['HTTPS://TWITTER.COM/Jack/STATUS/20', { id: '20', handle: 'Jack' }],
    ['  https://twitter.com/jack/status/20  ', { id: '20', handle: 'jack' }],
    [
      'https://twitter.com/a_handle_of_15c/status/1729555061938819317',
      { id: '1729555061938819317', handle: 'a_handle_of_15c' },
    ],
    ['https://twitter.com/jack/status/0020', { id: '20', handle: 'jack' }],
    // Handles longer than today's 15 characters: older accounts; the id decides, the segment is kept as written.
    ['https://twitter.com/a_handle_of_16ch/status/20', { id: '20', handle: 'a_handle_of_16ch' }],
    [
      'https://x.com/The_Old_Regional_Newsroom_Account/status/987654321',
      { id: '987654321', handle: 'The_Old_Regional_Newsroom_Account' },
    ],
  ])('reads %s', (url, expected) => {
    expect(parsePostUrl(url)).toEqual(expected);
  });

  it.each([
    'https://twitter.com/jack',
    'https://twitter.com/hashtag/news',
    'https://twitter.com/jack/status/',
    'https://twitter.com/jack/status/20abc',
    'https://twitter.com/jack/likes/20',
    // Template URLs in documentation
    'https://twitter.com/{handle}/status/{id}',
    'https://x.com/:user/status/:id',
    'https://twitter.com/<handle>/status/<id>',
    'https://twitter.com/USERNAME/status/TWEET_ID',
    'https://twitter.com/%7Bhandle%7D/status/123',
    'https://twitter.com/my-handle/status/20',
    'https://fxtwitter.com/jack/status/20',
    'https://twitter.com.evil.example/jack/status/20',
    'https://example.com/twitter.com/jack/status/20',
    'ftp://twitter.com/jack/status/20',
    'https://t.co/AbCdEf1234',
    '',
  ])('reads %j as no post', (url) => {
    expect(parsePostUrl(url)).toBeUndefined();
  });
});
