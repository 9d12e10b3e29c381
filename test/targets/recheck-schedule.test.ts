import { describe, expect, it } from 'vitest';
import { dueAt, historyOfChecks, isDue, wideningIntervalMs, WIDENING } from '../../src/targets/recheck-schedule.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-01-01T03:00:00.000Z');

describe('wideningIntervalMs', () => {
  it.each([
    [0, 1],
    [2.9, 1],
    [3, 3],
    [13.9, 3],
    [14, 7],
    [59.9, 7],
    [60, 30],
    [364.9, 30],
    [365, 90],
    [3650, 90],
  ])('a target %s days old at its last check waits %s days', (ageDays, intervalDays) => {
    expect(wideningIntervalMs(ageDays * DAY)).toBe(intervalDays * DAY);
  });
});

describe('isDue on the widening schedule', () => {
  it.each([
    // first check, last check, now (days after T0), changed at last check, due
    { first: 0, last: 0, now: 0.5, changed: false, due: false },
    { first: 0, last: 0, now: 1, changed: false, due: true },
    // a daily cron that ran a little later yesterday still finds it due today
    { first: 0, last: 1 + 1 / 24, now: 2, changed: false, due: true },
    { first: 0, last: 2, now: 2.5, changed: false, due: false },
    { first: 0, last: 3, now: 5, changed: false, due: false },
    { first: 0, last: 3, now: 6, changed: false, due: true },
    { first: 0, last: 20, now: 26, changed: false, due: false },
    { first: 0, last: 20, now: 27, changed: false, due: true },
    { first: 0, last: 100, now: 120, changed: false, due: false },
    { first: 0, last: 100, now: 130, changed: false, due: true },
    { first: 0, last: 400, now: 480, changed: false, due: false },
    { first: 0, last: 400, now: 490, changed: false, due: true },
    // a status that changed at the last check is confirmed a day later, whatever the age
    { first: 0, last: 400, now: 401, changed: true, due: true },
    { first: 0, last: 400, now: 400.5, changed: true, due: false },
  ])('first $first, last $last, now $now, changed $changed: due $due', ({ first, last, now, changed, due }) => {
    const history = { firstCheckedAt: T0 + first * DAY, lastCheckedAt: T0 + last * DAY, changedAtLastCheck: changed };
    expect(isDue(history, T0 + now * DAY, WIDENING)).toBe(due);
  });

  it('counts a target never checked as due', () => {
    expect(isDue(undefined, T0, WIDENING)).toBe(true);
    expect(isDue(undefined, T0, { kind: 'fixed', olderThanMs: 7 * DAY })).toBe(true);
  });

  it('lets a daily check come at most 3 hours early', () => {
    const history = { firstCheckedAt: T0, lastCheckedAt: T0, changedAtLastCheck: false };
    expect(dueAt(history, WIDENING)).toBe(T0 + DAY - 3 * HOUR);
  });
});

describe('isDue with --older-than (a fixed interval)', () => {
  it.each([
    { last: 0, now: 6.9, due: false },
    { last: 0, now: 7, due: false },
    { last: 0, now: 7.01, due: true },
    // the schedule's age and confirmation play no part
    { last: 400, now: 407.01, due: true },
  ])('last check day $last, now day $now: due $due', ({ last, now, due }) => {
    const history = { firstCheckedAt: T0, lastCheckedAt: T0 + last * DAY, changedAtLastCheck: true };
    expect(isDue(history, T0 + now * DAY, { kind: 'fixed', olderThanMs: 7 * DAY })).toBe(due);
  });
});

describe('historyOfChecks', () => {
  it('reads first and last check and whether the last one changed the status', () => {
    expect(historyOfChecks([])).toBeUndefined();
    expect(
      historyOfChecks([
        { at: '2026-01-01T00:00:00.000Z', status: 'archived' },
        { at: '2026-01-05T00:00:00.000Z', status: 'deleted' },
      ]),
    ).toEqual({
      firstCheckedAt: Date.parse('2026-01-01T00:00:00.000Z'),
      lastCheckedAt: Date.parse('2026-01-05T00:00:00.000Z'),
      changedAtLastCheck: true,
    });
    expect(historyOfChecks([{ at: '2026-01-01T00:00:00.000Z', status: 'archived' }])?.changedAtLastCheck).toBe(false);
  });
});
