import { describe, expect, it } from 'vitest';
import type { TargetIndexEntry, TargetOutcome } from '../../src/model/index.js';
import type { TargetIndex } from '../../src/ports.js';
import { TargetChecker } from '../../src/targets/target-checker.js';

const HOUR = 3_600_000;
const CHECKED_AT = Date.parse('2026-11-29T12:00:00.000Z');

function postEntry(checkedAt: number, text: string): TargetIndexEntry {
  const outcome: TargetOutcome = {
    kind: 'post',
    check: {
      checkedAt: new Date(checkedAt).toISOString(),
      status: 'archived',
      post: { id: '20', text, media: [], links: [] },
    },
  };
  return { key: 'post:20', checkedAt: new Date(checkedAt).toISOString(), outcome };
}

/** An index holding what `entries` says at each read (the last one repeated), counting the reads. */
function countingIndex(entries: TargetIndexEntry[]): TargetIndex & { reads: number } {
  const index = {
    reads: 0,
    get: (key: string) => {
      const entry = entries[Math.min(index.reads, entries.length - 1)];
      index.reads += 1;
      return Promise.resolve(entry?.key === key ? entry : undefined);
    },
    put: () => Promise.reject(new Error('nothing is checked afresh in these tests')),
  };
  return index;
}

function checkerOver(index: TargetIndex): TargetChecker {
  return new TargetChecker({
    fetcher: { fetch: () => Promise.reject(new Error('no upstream request is expected')) },
    record: () => Promise.reject(new Error('nothing is recorded')),
    index,
    refreshAfterMs: 24 * HOUR,
    maxRedirects: 5,
    shortLinkUserAgent: 'test',
    clock: { now: () => new Date(CHECKED_AT + HOUR) },
  });
}

describe('TargetChecker within a recheck run', () => {
  it('reads the index once for every document of a run citing one target', async () => {
    const index = countingIndex([postEntry(CHECKED_AT, 'first')]);
    const checker = checkerOver(index);
    const run = { unlessCheckedSince: CHECKED_AT - HOUR };
    const texts: (string | undefined)[] = [];
    for (let document = 0; document < 5; document++) texts.push((await checker.checkPost({ id: '20' }, run)).post.text);
    expect(texts).toEqual(['first', 'first', 'first', 'first', 'first']);
    expect(index.reads).toBe(1);
  });

  it('reads the index again for a run planned after the check it remembers', async () => {
    const index = countingIndex([postEntry(CHECKED_AT, 'first'), postEntry(CHECKED_AT + 2 * HOUR, 'second')]);
    const checker = checkerOver(index);
    await checker.checkPost({ id: '20' }, { unlessCheckedSince: CHECKED_AT - HOUR });
    // Another process checked it since: the later run takes that check, not the remembered one.
    const later = await checker.checkPost({ id: '20' }, { unlessCheckedSince: CHECKED_AT + HOUR });
    expect(later.post.text).toBe('second');
    expect(index.reads).toBe(2);
  });

  it('reads the index at every plain check (reuse within the refresh window)', async () => {
    const index = countingIndex([postEntry(CHECKED_AT, 'first')]);
    const checker = checkerOver(index);
    await checker.checkPost({ id: '20' }, { unlessCheckedSince: CHECKED_AT - HOUR });
    await checker.checkPost({ id: '20' });
    await checker.checkPost({ id: '20' });
    expect(index.reads).toBe(3);
  });
});
