import { describe, expect, it } from 'vitest';
import { backoffDelay, parseRetryAfter } from '../../src/net/retry-timing.js';

describe('parseRetryAfter', () => {
  const now = new Date('2024-03-01T12:00:00.000Z');

  it.each<[string | undefined, number | undefined]>([
    // delta-seconds
    ['0', 0],
    ['1', 1000],
    ['120', 120_000],
    [' 5 ', 5000],
    ['1.5', 1500],
    ['-5', 0],
    // HTTP-date, all three forms
    ['Fri, 01 Mar 2024 12:00:30 GMT', 30_000],
    ['Friday, 01-Mar-24 12:01:00 GMT', 60_000],
    ['Fri Mar  1 12:00:10 2024', 10_000],
    ['fri, 01 mar 2024 12:00:05 gmt', 5000],
    ['Fri, 01 Mar 2024 11:00:00 GMT', 0], // in the past
    ['Thu, 01 Jan 1970 00:00:00 GMT', 0],
    // garbage
    [undefined, undefined],
    ['', undefined],
    ['soon', undefined],
    ['1e3', undefined],
    ['0x10', undefined],
    ['5 seconds', undefined],
    ['2', 2000], // a number, never the year 2001 that Date.parse would make of it
    ['2024-03-01T12:00:30Z', undefined], // ISO is not an HTTP-date
    ['Fri, 31 Feb 2024 12:00:30 GMT', undefined], // no such day
    ['Fri, 01 Mar 2024 25:00:00 GMT', undefined],
    ['Fri, 01 Foo 2024 12:00:30 GMT', undefined],
    ['Fri, 01 Mar 2024 12:00:30 CET', undefined],
  ])('reads %j as %j ms', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });

  it('puts a two-digit year more than 50 years ahead in the past century', () => {
    expect(parseRetryAfter('Sunday, 06-Nov-94 08:49:37 GMT', now)).toBe(0);
    expect(parseRetryAfter('Wednesday, 01-Mar-73 12:00:00 GMT', now)).toBe(Date.UTC(2073, 2, 1, 12) - now.getTime());
  });
});

describe('backoffDelay', () => {
  const options = { baseMs: 1000, maxMs: 30_000 };

  it.each<[number, number, number]>([
    // attempt, random, delay
    [1, 0, 0],
    [1, 0.5, 500],
    [1, 0.999, 999],
    [2, 0.5, 1000],
    [3, 0.5, 2000],
    [4, 0.999, 7992],
    [5, 0.5, 8000],
    [6, 0.5, 15_000], // 32 s, capped at 30 s
    [50, 0.999, 29_970],
    [2000, 0.5, 15_000], // 2^1999 is Infinity; the cap still holds
  ])('attempt %d with random %d waits %d ms', (attempt, random, delay) => {
    expect(backoffDelay(attempt, { ...options, random: () => random })).toBe(delay);
  });

  it('stays inside [0, ceiling) with a real random source', () => {
    for (let attempt = 1; attempt <= 10; attempt += 1) {
      const delay = backoffDelay(attempt, { ...options, random: Math.random });
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(Math.min(30_000, 1000 * 2 ** (attempt - 1)));
    }
  });
});
