import { describe, expect, it } from 'vitest';
import type { ErrorCode, TargetIndexEntry, TargetOutcome } from '../../src/model/index.js';
import { isReusable } from '../../src/targets/reuse.js';

const CHECKED_AT = '2026-11-29T12:00:00.000Z';
const HOUR = 3_600_000;
const link = { url: 'https://t.co/x', hops: [] };
const capture = {
  at: CHECKED_AT,
  via: 'page' as const,
  warc: { file: 'warc/a.warc.gz', offset: 0, length: 10 },
  sha256: 'ab'.repeat(32),
};

function linkError(status: 'dead' | 'blocked' | 'failed', code: ErrorCode): TargetOutcome {
  return {
    kind: 'link',
    check: { checkedAt: CHECKED_AT, link, end: { kind: 'error', status, error: { code, message: code } } },
  };
}

function post(status: 'archived' | 'deleted' | 'failed' | 'suspended'): TargetOutcome {
  return { kind: 'post', check: { checkedAt: CHECKED_AT, status, post: { id: '20', media: [], links: [] } } };
}

const PAGE: TargetOutcome = { kind: 'link', check: { checkedAt: CHECKED_AT, link, end: { kind: 'page', capture } } };
const POST_END: TargetOutcome = {
  kind: 'link',
  check: { checkedAt: CHECKED_AT, link, end: { kind: 'post', id: '20' } },
};

function entry(outcome: TargetOutcome): TargetIndexEntry {
  return { key: 'k', checkedAt: CHECKED_AT, outcome };
}

describe('isReusable (the reuse rule)', () => {
  const now = new Date(Date.parse(CHECKED_AT) + HOUR);
  it.each<[string, TargetOutcome, boolean]>([
    ['a page that answered', PAGE, true],
    ['a link that led to a post', POST_END, true],
    ['a dead link (404, say)', linkError('dead', 'HTTP_STATUS'), true],
    ['a blocked address', linkError('blocked', 'BLOCKED_ADDRESS'), true],
    ['a name that did not resolve', linkError('dead', 'DNS'), false],
    ['a timeout', linkError('failed', 'TIMEOUT'), false],
    ['a refused connection', linkError('failed', 'CONNECTION'), false],
    ['a failed TLS handshake', linkError('dead', 'TLS'), false],
    ['any failed link', linkError('failed', 'BAD_RESPONSE'), false],
    ['an archived post', post('archived'), true],
    ['a deleted post', post('deleted'), true],
    ['a suspended account', post('suspended'), true],
    ['a post check that failed', post('failed'), false],
  ])('%s: %s', (_what, outcome, expected) => {
    expect(isReusable(entry(outcome), { now, refreshAfterMs: 24 * HOUR })).toBe(expected);
  });

  it.each<[string, number, boolean]>([
    ['made just now', 0, true],
    ['one hour old, within a day', HOUR, true],
    ['exactly as old as the window', 24 * HOUR, false],
    ['older than the window', 25 * HOUR, false],
    ['dated in the future (a clock set back)', -1, false],
  ])('an answered check %s: %s', (_what, ageMs, expected) => {
    const at = new Date(Date.parse(CHECKED_AT) + ageMs);
    expect(isReusable(entry(PAGE), { now: at, refreshAfterMs: 24 * HOUR })).toBe(expected);
  });
});
