import { describe, expect, it } from 'vitest';
import {
  idPrefixes,
  sharedPrefix,
  distanceFromMiddle,
  isInWindow,
  snowflakeTime,
  snowflakeWindow,
  type SnowflakeWindow,
} from '../../src/model/snowflake.js';

const SUDINFO_ID = '1729135262233043236'; // 2023-11-27T13:49:06Z
const DGSN_ID = '1729555061938819317'; // 2023-11-28T17:37:15.002Z

function windowOf(date: string): SnowflakeWindow {
  const window = snowflakeWindow(date);
  if (typeof window === 'string') throw new Error(`no window for ${date}: ${window}`);
  return window;
}

describe('snowflakeWindow', () => {
  it('is the printed day in UTC widened by 14 hours on each side', () => {
    const window = windowOf('2023-11-27');
    expect(window.from).toBe('2023-11-26T10:00:00.000Z');
    expect(window.to).toBe('2023-11-28T14:00:00.000Z');
    expect(snowflakeTime(window.minId.toString())).toBe('2023-11-26T10:00:00.000Z');
    expect(snowflakeTime(window.maxId.toString())).toBe('2023-11-28T13:59:59.999Z');
    expect(new Date(window.middleMs).toISOString()).toBe('2023-11-27T12:00:00.000Z');
  });

  it.each([
    ['the post of that day', '2023-11-27', SUDINFO_ID, true],
    ['a post of the next evening, past the 14 hours', '2023-11-27', DGSN_ID, false],
    ['the same post for its own day', '2023-11-28', DGSN_ID, true],
    ['a post printed a day late (time zones) is still in', '2023-11-29', DGSN_ID, true],
    ['a pre-Snowflake id', '2023-11-27', '20', false],
    ['not an id', '2023-11-27', '17291352622330x', false],
  ])('%s', (_what, date, id, inside) => {
    expect(isInWindow(id, windowOf(date))).toBe(inside);
  });

  it('holds exactly its first and last id and nothing past them, in BigInt', () => {
    const window = windowOf('2023-11-27');
    expect(isInWindow(window.minId.toString(), window)).toBe(true);
    expect(isInWindow((window.minId - 1n).toString(), window)).toBe(false);
    expect(isInWindow(window.maxId.toString(), window)).toBe(true);
    expect(isInWindow((window.maxId + 1n).toString(), window)).toBe(false);
    // Beyond 2^53 a Number would round these two to one value.
    expect(Number(window.maxId) === Number(window.maxId + 1n)).toBe(true);
  });

  it.each([
    [undefined, 'no-date'],
    ['', 'no-date'],
    ['November 27, 2023', 'no-date'],
    ['2023-02-30', 'no-date'],
    ['2010-11-04', 'before-snowflake'],
    ['2009-05-01', 'before-snowflake'],
  ])('gives no window for %j: %s', (date, reason) => {
    expect(snowflakeWindow(date)).toBe(reason);
  });

  it('opens on the first day whose widened window lies wholly after the first Snowflake id', () => {
    expect(windowOf('2010-11-05').from).toBe('2010-11-04T10:00:00.000Z');
  });

  it('orders ids by their distance from the middle of the printed day', () => {
    const window = windowOf('2023-11-28');
    const noon = ((BigInt(Date.UTC(2023, 10, 28, 12)) - 1288834974657n) << 22n).toString();
    expect(distanceFromMiddle(noon, window)).toBe(0);
    expect(distanceFromMiddle(DGSN_ID, window)).toBe((5 * 3600 + 37 * 60 + 15) * 1000 + 2);
  });

  it('covers the window with a few decimal prefixes, for a CDX query', () => {
    const window = windowOf('2023-11-27');
    const prefixes = idPrefixes(window);
    expect(prefixes.length).toBeGreaterThan(1);
    expect(prefixes.length).toBeLessThanOrEqual(12);
    expect(prefixes.every((prefix) => prefix.length === prefixes[0]!.length && prefix.length >= 5)).toBe(true);
    for (const id of [window.minId, window.maxId, BigInt(SUDINFO_ID)]) {
      expect(prefixes.some((prefix) => id.toString().startsWith(prefix))).toBe(true);
    }
    expect(prefixes.some((prefix) => (window.minId - 10n ** 14n).toString().startsWith(prefix))).toBe(false);
    expect(prefixes.some((prefix) => (window.maxId + 10n ** 14n).toString().startsWith(prefix))).toBe(false);
    expect(SUDINFO_ID.startsWith(sharedPrefix(prefixes))).toBe(true);
    expect(sharedPrefix(prefixes).length).toBeGreaterThanOrEqual(3);
    expect(idPrefixes(window, 1)).toEqual(['172']);
  });
});
