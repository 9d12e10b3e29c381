import { describe, expect, it } from 'vitest';
import { loadConfig, DEFAULT_USER_AGENT } from '../src/config.js';
import { parseDuration } from '../src/duration.js';
import { UsageError } from '../src/errors.js';

describe('loadConfig', () => {
  it('has the defaults of the contract', () => {
    const config = loadConfig({}, {});
    expect(config).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379',
      connectTo: [],
      userAgent: DEFAULT_USER_AGENT,
      timeoutMs: 15_000,
      maxRedirects: 10,
      maxBodyBytes: 10_485_760,
      hostConcurrency: 4,
      refreshAfterMs: 86_400_000,
    });
    expect(config.dataDir).toBe(`${process.cwd()}/citesnap-data`);
    expect(DEFAULT_USER_AGENT).toMatch(/^citesnap\/\d+\.\d+\.\d+ \(\+https:\/\/.+\)$/);
  });

  it('is frozen', () => {
    const config = loadConfig({}, {});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.connectTo)).toBe(true);
  });

  it('takes flags over environment variables over defaults', () => {
    const env = { CITESNAP_DATA_DIR: '/tmp/from-env', CITESNAP_TIMEOUT_MS: '500', CITESNAP_REFRESH_AFTER: '2h' };
    const config = loadConfig(env, { dataDir: '/tmp/from-flag' });
    expect(config.dataDir).toBe('/tmp/from-flag');
    expect(config.timeoutMs).toBe(500);
    expect(config.refreshAfterMs).toBe(7_200_000);
  });

  it('parses CITESNAP_CONNECT_TO into routes', () => {
    const config = loadConfig({ CITESNAP_CONNECT_TO: ':443:127.0.0.1:8443,t.co:80:127.0.0.1:8080' }, {});
    expect(config.connectTo).toHaveLength(2);
  });

  it.each([
    ['CITESNAP_TIMEOUT_MS', 'soon', /CITESNAP_TIMEOUT_MS: expected a whole number of at least 1, got "soon"/],
    ['CITESNAP_TIMEOUT_MS', '0', /CITESNAP_TIMEOUT_MS: expected a whole number of at least 1/],
    ['CITESNAP_MAX_REDIRECTS', '-1', /CITESNAP_MAX_REDIRECTS: expected a whole number of at least 0/],
    ['CITESNAP_MAX_BODY_BYTES', '1e6', /CITESNAP_MAX_BODY_BYTES: expected a whole number/],
    ['CITESNAP_HOST_CONCURRENCY', '2.5', /CITESNAP_HOST_CONCURRENCY: expected a whole number/],
    ['CITESNAP_REFRESH_AFTER', '1w', /CITESNAP_REFRESH_AFTER: expected a duration/],
    ['REDIS_URL', 'http://localhost:6379', /REDIS_URL: expected a redis:\/\/ or rediss:\/\/ URL/],
    ['CITESNAP_CONNECT_TO', 'nonsense', /CITESNAP_CONNECT_TO/],
  ])('refuses %s=%s with a message naming it', (variable, value, message) => {
    expect(() => loadConfig({ [variable]: value }, {})).toThrow(UsageError);
    expect(() => loadConfig({ [variable]: value }, {})).toThrow(message);
  });
});

describe('parseDuration', () => {
  it.each([
    ['90', 90_000],
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['24h', 86_400_000],
    ['7d', 604_800_000],
    ['1.5h', 5_400_000],
    [' 2d ', 172_800_000],
  ])('%s is %d ms', (value, expected) => {
    expect(parseDuration(value, '--older-than')).toBe(expected);
  });

  it.each(['', 'h', '7 days', '-1d', '1w', '1e3'])('refuses %j', (value) => {
    expect(() => parseDuration(value, '--older-than')).toThrow(/--older-than: expected a duration/);
  });
});
