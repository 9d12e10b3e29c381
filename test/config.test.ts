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

describe('CITESNAP_WARC_STORE and the roll-over limits', () => {
  it('defaults to the data dir’s warc folder, rolled at 1 GiB and never by age, as before', () => {
    const config = loadConfig({ CITESNAP_DATA_DIR: '/srv/citesnap' });
    expect(config.warcStore).toEqual({ kind: 'folder', folder: '/srv/citesnap/warc' });
    expect(config.warcRollBytes).toBe(1024 ** 3);
    expect(config.warcRollAfterMs).toBeUndefined();
  });

  it('reads an s3:// store with its bucket, prefix, endpoint, region and credentials; small, young files by default', () => {
    const config = loadConfig({
      CITESNAP_WARC_STORE: 's3://newsroom-warcs/archive/2026/',
      AWS_ENDPOINT_URL: 'http://minio.internal:9000',
      AWS_ACCESS_KEY_ID: 'key',
      AWS_SECRET_ACCESS_KEY: 'secret',
    });
    expect(config.warcStore).toEqual({
      kind: 's3',
      bucket: 'newsroom-warcs',
      prefix: 'archive/2026',
      endpoint: 'http://minio.internal:9000',
      region: 'us-east-1',
      credentials: { accessKeyId: 'key', secretAccessKey: 'secret' },
    });
    expect(config.warcRollBytes).toBe(64 * 1024 ** 2);
    expect(config.warcRollAfterMs).toBe(30_000);
    expect(loadConfig({ CITESNAP_WARC_STORE: 's3://b12', AWS_REGION: 'eu-west-3' }).warcStore).toMatchObject({
      prefix: '',
      endpoint: undefined,
      region: 'eu-west-3',
      credentials: undefined,
    });
    expect(
      loadConfig({ CITESNAP_WARC_STORE: 's3://b12', CITESNAP_WARC_ROLL_BYTES: '1000', CITESNAP_WARC_ROLL_AFTER: '5m' }),
    ).toMatchObject({ warcRollBytes: 1000, warcRollAfterMs: 300_000 });
  });

  it('takes any other value without a scheme as a folder', () => {
    expect(loadConfig({ CITESNAP_WARC_STORE: '/mnt/shared/warc' }).warcStore).toEqual({
      kind: 'folder',
      folder: '/mnt/shared/warc',
    });
  });

  it.each([
    [
      { CITESNAP_WARC_STORE: 'https://bucket.s3.amazonaws.com/x' },
      /^CITESNAP_WARC_STORE: expected a folder or s3:\/\/bucket\/prefix, got .*\(unsupported scheme\)$/,
    ],
    [{ CITESNAP_WARC_STORE: 's3://' }, /^CITESNAP_WARC_STORE: .*\(bucket "": 3 to 63 of a-z 0-9 \. -\)$/],
    [{ CITESNAP_WARC_STORE: 's3://Upper_Case' }, /^CITESNAP_WARC_STORE: .*bucket "Upper_Case"/],
    [{ CITESNAP_WARC_STORE: 's3://bucket//x' }, /^CITESNAP_WARC_STORE: .*the prefix has an empty, \. or \.\. part/],
    [{ CITESNAP_WARC_STORE: 's3://bucket/x/../y' }, /^CITESNAP_WARC_STORE: .*the prefix has an empty, \. or \.\. part/],
    [
      { CITESNAP_WARC_STORE: 's3://bucket', AWS_ENDPOINT_URL: 'minio:9000' },
      /^AWS_ENDPOINT_URL: expected an http\(s\) URL/,
    ],
    [
      { CITESNAP_WARC_STORE: 's3://bucket', AWS_ACCESS_KEY_ID: 'key' },
      /^AWS_SECRET_ACCESS_KEY: expected it beside AWS_ACCESS_KEY_ID/,
    ],
    [{ CITESNAP_WARC_ROLL_BYTES: '0' }, /^CITESNAP_WARC_ROLL_BYTES: expected a whole number of at least 1/],
    [{ CITESNAP_WARC_ROLL_AFTER: 'soon' }, /^CITESNAP_WARC_ROLL_AFTER: /],
  ])('refuses %j as bad configuration', (env, message) => {
    expect(() => loadConfig(env)).toThrow(UsageError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
