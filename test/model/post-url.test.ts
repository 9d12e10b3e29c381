import { describe, expect, it } from 'vitest';
import { linkTargetKey, postCitationId, postTargetKey, postUrl, shortLinkCitationId } from '../../src/model/index.js';

describe('postUrl', () => {
  it('names the handle where it is known, i otherwise', () => {
    expect(postUrl({ id: '20', handle: 'jack' })).toBe('https://x.com/jack/status/20');
    expect(postUrl({ id: '1729555061938819317' })).toBe('https://x.com/i/status/1729555061938819317');
  });

  it('builds the twitter.com form that oEmbed and the Wayback Machine know', () => {
    expect(postUrl({ id: '20', handle: 'jack' }, 'twitter.com')).toBe('https://twitter.com/jack/status/20');
    expect(postUrl({ id: '20' }, 'twitter.com')).toBe('https://twitter.com/i/status/20');
  });
});

describe('ids', () => {
  it.each([
    [postCitationId('20'), 'post:20'],
    [shortLinkCitationId('AbC'), 'tco:AbC'],
    [postTargetKey('20'), 'post:20'],
    [linkTargetKey('https://t.co/AbC'), 'link:https://t.co/AbC'],
  ])('%s is %s', (built, expected) => {
    expect(built).toBe(expected);
  });
});
