import { describe, expect, it } from 'vitest';
import type { Capture, Check, Citation, LinkCheckEnd, TimedPostCheck } from '../../src/model/index.js';
import {
  buildCitation,
  findingsFor,
  NO_HANDLE_MESSAGE,
  type CitationFindings,
} from '../../src/record/build-citation.js';
import type { ResolvedCitation } from '../../src/resolve/resolve-citations.js';

const AT = '2026-11-29T12:00:00.000Z';
const EARLIER = '2026-11-01T12:00:00.000Z';
const occurrence = { form: 'short-link' as const, raw: 't.co/x', offset: 10, context: 'see t.co/x' };

function capture(at: string, via: Capture['via'] = 'page'): Capture {
  return { at, via, warc: { file: 'warc/a.warc.gz', offset: 0, length: 10 }, sha256: 'ab'.repeat(32) };
}

function linkCitation(end: LinkCheckEnd | undefined, httpStatus?: number): ResolvedCitation {
  const citation: ResolvedCitation = {
    id: 'tco:x',
    type: 'link',
    occurrences: [occurrence],
    link: { url: 'https://t.co/x', hops: [], ...(httpStatus === undefined ? {} : { httpStatus }) },
  };
  if (end !== undefined) {
    citation.linkEnd = end;
    citation.linkCheckedAt = AT;
  }
  return citation;
}

const postCitation: ResolvedCitation = {
  id: 'post:20',
  type: 'post',
  occurrences: [{ ...occurrence, form: 'post-url' }],
  post: { platform: 'twitter', id: '20', handle: 'jack', media: [], links: [] },
};

const embed: ResolvedCitation = {
  id: 'embed:0123456789abcdef',
  type: 'post',
  occurrences: [{ ...occurrence, form: 'embed' }],
  post: { platform: 'twitter', media: [], links: [], embed: { handle: 'jack' } },
};

function postCheck(fields: Partial<TimedPostCheck>): TimedPostCheck {
  return { checkedAt: AT, status: 'archived', post: { id: '20', media: [], links: [] }, ...fields };
}

describe('findingsFor (the folding rules)', () => {
  it.each<[string, ResolvedCitation, Parameters<typeof findingsFor>[1], CitationFindings]>([
    [
      'a link that ended at a page is archived with the page capture',
      linkCitation({ kind: 'page', capture: capture(AT) }, 200),
      { siblings: [] },
      { status: 'archived', capture: capture(AT), check: { at: AT, status: 'archived', httpStatus: 200 } },
    ],
    [
      'a link that ended in an error takes its status and error',
      linkCitation({ kind: 'error', status: 'dead', error: { code: 'HTTP_STATUS', message: '404' } }, 404),
      { siblings: [] },
      {
        status: 'dead',
        error: { code: 'HTTP_STATUS', message: '404' },
        check: { at: AT, status: 'dead', error: 'HTTP_STATUS', httpStatus: 404 },
      },
    ],
    [
      'a link never resolved failed, with no check',
      linkCitation(undefined),
      { siblings: [] },
      { status: 'failed', error: { code: 'BAD_RESPONSE', message: 'the link was not resolved' } },
    ],
    [
      'a link left at a post (not joined) is a failure, not a guess',
      linkCitation({ kind: 'post', id: '20' }),
      { siblings: [] },
      {
        status: 'failed',
        error: { code: 'BAD_RESPONSE', message: 'the link leads to post 20 but was not joined to it' },
      },
    ],
    [
      'a post known by id takes its own check whole',
      postCitation,
      {
        siblings: [],
        postCheck: postCheck({ status: 'deleted', httpStatus: 404, error: { code: 'HTTP_STATUS', message: 'gone' } }),
      },
      {
        status: 'deleted',
        error: { code: 'HTTP_STATUS', message: 'gone' },
        check: { at: AT, status: 'deleted', httpStatus: 404, error: 'HTTP_STATUS' },
        capturedPost: { id: '20', media: [], links: [] },
      },
    ],
    [
      'a post with a capture carries it',
      postCitation,
      { siblings: [], postCheck: postCheck({ capture: capture(AT, 'syndication') }) },
      {
        status: 'archived',
        capture: capture(AT, 'syndication'),
        check: { at: AT, status: 'archived' },
        capturedPost: { id: '20', media: [], links: [] },
      },
    ],
    [
      'an embed with no account to look up and no link inside: the look at it is its check, and says why',
      embed,
      { siblings: [], lookedAt: AT },
      {
        status: 'unidentified',
        check: { at: AT, status: 'unidentified' },
        error: { code: 'BAD_RESPONSE', message: NO_HANDLE_MESSAGE },
      },
    ],
    [
      'an embed takes the newest check of the links inside it',
      embed,
      {
        siblings: [
          { ...linkCitation({ kind: 'page', capture: capture(AT) }), parent: embed.id, linkCheckedAt: EARLIER },
          { ...linkCitation({ kind: 'page', capture: capture(AT) }), id: 'tco:y', parent: embed.id, linkCheckedAt: AT },
          {
            ...linkCitation({ kind: 'page', capture: capture(AT) }),
            id: 'tco:z',
            linkCheckedAt: '2026-12-01T00:00:00.000Z',
          },
        ],
      },
      { status: 'unidentified', check: { at: AT, status: 'unidentified' } },
    ],
  ])('%s', (_rule, citation, checks, expected) => {
    expect(findingsFor(citation, checks)).toEqual(expected);
  });
});

describe('buildCitation', () => {
  const earlierCheck: Check = { at: EARLIER, status: 'archived', httpStatus: 200 };
  const previous: Citation = {
    id: 'tco:x',
    type: 'link',
    status: 'archived',
    occurrences: [occurrence],
    link: { url: 'https://t.co/x', hops: [] },
    capture: capture(EARLIER),
    checks: [earlierCheck],
  };

  it.each<[string, CitationFindings, Citation | undefined, Partial<Citation>]>([
    [
      'a first check is the only one',
      { status: 'archived', capture: capture(AT), check: { at: AT, status: 'archived' } },
      undefined,
      { status: 'archived', capture: capture(AT), checks: [{ at: AT, status: 'archived' }] },
    ],
    [
      'checks accumulate, oldest first',
      { status: 'archived', capture: capture(AT), check: { at: AT, status: 'archived' } },
      previous,
      { status: 'archived', capture: capture(AT), checks: [earlierCheck, { at: AT, status: 'archived' }] },
    ],
    [
      'a check reused from the index is not counted twice',
      { status: 'archived', capture: capture(EARLIER), check: { at: EARLIER, status: 'archived' } },
      previous,
      { status: 'archived', checks: [earlierCheck] },
    ],
    [
      'a target that died keeps its earlier capture and records the error',
      {
        status: 'dead',
        error: { code: 'HTTP_STATUS', message: '404' },
        check: { at: AT, status: 'dead', error: 'HTTP_STATUS' },
      },
      previous,
      { status: 'dead', capture: capture(EARLIER), error: { code: 'HTTP_STATUS', message: '404' } },
    ],
    [
      'an unidentified post keeps the reason its lookup found nothing (README, "Choices")',
      { status: 'unidentified', error: { code: 'BAD_RESPONSE', message: 'no-cdx-rows: x' } },
      undefined,
      { status: 'unidentified', error: { code: 'BAD_RESPONSE', message: 'no-cdx-rows: x' }, checks: [] },
    ],
    [
      'an error is recorded only with a status that is an error or unidentified',
      { status: 'archived', error: { code: 'BAD_RESPONSE', message: 'x' } },
      undefined,
      { status: 'archived', checks: [] },
    ],
  ])('%s', (_rule, findings, earlier, expected) => {
    const built = buildCitation(linkCitation({ kind: 'page', capture: capture(AT) }), findings, earlier);
    expect(built).toMatchObject(expected);
    if (findings.status === 'archived') expect(built.error).toBeUndefined();
  });

  it('merges post fields: the previous record, then the article, then this capture', () => {
    const printed: ResolvedCitation = {
      ...postCitation,
      post: { platform: 'twitter', id: '20', handle: 'jack', media: [], links: [], embed: { text: 'as printed' } },
    };
    const earlier: Citation = {
      id: 'post:20',
      type: 'post',
      status: 'archived',
      occurrences: printed.occurrences,
      post: {
        platform: 'twitter',
        id: '20',
        authorName: 'Old Name',
        lang: 'en',
        media: [{ type: 'photo', url: 'https://pbs.twimg.com/a.jpg', capture: capture(EARLIER, 'media') }],
        links: [],
      },
      checks: [],
    };
    const built = buildCitation(
      printed,
      {
        status: 'archived',
        capturedPost: {
          id: '20',
          authorName: 'New Name',
          media: [{ type: 'photo', url: 'https://pbs.twimg.com/a.jpg' }],
          links: [],
        },
      },
      earlier,
    );
    expect(built.post).toEqual({
      platform: 'twitter',
      id: '20',
      handle: 'jack',
      authorName: 'New Name',
      lang: 'en',
      // The photo this check could not fetch again keeps its earlier capture.
      media: [{ type: 'photo', url: 'https://pbs.twimg.com/a.jpg', capture: capture(EARLIER, 'media') }],
      links: [],
      embed: { text: 'as printed' },
    });
  });
});
