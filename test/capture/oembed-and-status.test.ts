import { describe, expect, it } from 'vitest';
import { oembedUrl, readOembedAnswer, type OembedVerdict } from '../../src/capture/oembed.js';
import { decidePostStatus } from '../../src/capture/post-status.js';
import type { SyndicationVerdict } from '../../src/capture/syndication.js';

describe('readOembedAnswer', () => {
  const html =
    '<blockquote class="twitter-tweet"><p lang="fr" dir="ltr">Alerte à la bombe &amp; rançon<br>suite <a href="https://t.co/Q558GooFYF">https://t.co/Q558GooFYF</a></p>&mdash; Sudinfo.be (@sudinfo_be) <a href="https://twitter.com/sudinfo_be/status/1729135262233043236?ref_src=twsrc%5Etfw">November 27, 2023</a></blockquote>\n';

  it('reads the embed markup', () => {
    const body = JSON.stringify({
      url: 'https://twitter.com/sudinfo_be/status/1729135262233043236',
      author_name: 'Sudinfo.be',
      author_url: 'https://twitter.com/sudinfo_be',
      html,
      type: 'rich',
    });
    expect(readOembedAnswer(200, body)).toEqual({
      kind: 'post',
      html,
      authorName: 'Sudinfo.be',
      handle: 'sudinfo_be',
      text: 'Alerte à la bombe & rançon\nsuite https://t.co/Q558GooFYF',
    });
  });

  it.each<[number, string, OembedVerdict['kind']]>([
    [404, '<html>Not Found</html>', 'not-found'],
    [403, '{"error":"Sorry, you are not authorized to see this status."}', 'protected'],
    [403, '{"error":"User has been suspended."}', 'suspended'],
    [404, 'User has been suspended', 'suspended'],
    [403, 'Forbidden', 'inconclusive'],
    [200, 'not json', 'inconclusive'],
    [200, '{}', 'inconclusive'],
    [500, '', 'inconclusive'],
  ])('HTTP %i %j -> %s', (status, body, kind) => {
    expect(readOembedAnswer(status, body).kind).toBe(kind);
  });

  it('asks for the status URL without the script', () => {
    expect(oembedUrl('https://twitter.com/a/status/1')).toBe(
      'https://publish.twitter.com/oembed?url=https%3A%2F%2Ftwitter.com%2Fa%2Fstatus%2F1&omit_script=1&dnt=true',
    );
  });
});

describe('decidePostStatus', () => {
  const tweet: SyndicationVerdict = { kind: 'tweet', post: { id: '1', media: [], links: [] } };
  const notFound: SyndicationVerdict = { kind: 'not-found' };
  const empty: SyndicationVerdict = { kind: 'inconclusive', reason: 'syndication answered JSON without a Tweet' };
  const limited: SyndicationVerdict = {
    kind: 'inconclusive',
    reason: 'syndication answered HTTP 429',
    httpStatus: 429,
  };
  const tombstone = (text: string): SyndicationVerdict => ({ kind: 'tombstone', text });
  const post: OembedVerdict = { kind: 'post', html: '' };

  it.each<[string, SyndicationVerdict, OembedVerdict | undefined, string]>([
    ['syndication has it', tweet, undefined, 'archived'],
    ['only oEmbed has it', notFound, post, 'archived'],
    ['both 404', notFound, { kind: 'not-found' }, 'deleted'],
    ['404 and protected', notFound, { kind: 'protected' }, 'protected'],
    ['404 and suspended', notFound, { kind: 'suspended' }, 'suspended'],
    [
      'protected tombstone',
      tombstone('You’re unable to view this Post because this account owner limits who can view their Posts.'),
      { kind: 'not-found' },
      'protected',
    ],
    [
      'age-gated tombstone',
      tombstone('Age-restricted adult content. This content might not be appropriate for people under 18 years old.'),
      { kind: 'not-found' },
      'unavailable',
    ],
    [
      'withheld tombstone',
      tombstone('This Post from @x has been withheld in Germany in response to a legal demand.'),
      { kind: 'not-found' },
      'unavailable',
    ],
    ['{} and 404 do not agree', empty, { kind: 'not-found' }, 'failed'],
    [
      '404 and an oEmbed error do not agree',
      notFound,
      { kind: 'inconclusive', reason: 'oEmbed answered HTTP 500' },
      'failed',
    ],
  ])('%s -> %s', (_name, syndication, oembed, status) => {
    expect(decidePostStatus(syndication, oembed).status).toBe(status);
  });

  it('names rate limiting as such', () => {
    expect(
      decidePostStatus(limited, { kind: 'inconclusive', reason: 'oEmbed answered HTTP 429', httpStatus: 429 }),
    ).toEqual({
      status: 'failed',
      error: {
        code: 'RATE_LIMITED',
        message: 'the sources do not agree on this post: syndication answered HTTP 429; oEmbed answered HTTP 429',
      },
    });
  });
});
