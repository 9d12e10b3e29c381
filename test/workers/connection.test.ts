import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import {
  connectProducerRedis,
  reconnectDelay,
  redactRedisUrl,
  redisOptionsFromUrl,
  workerConnectionOptions,
} from '../../workers/connection.js';
import { testRedisUrl } from './support/redis.js';
import { RedisUnavailableError, UsageError } from '../../src/errors.js';

describe('redisOptionsFromUrl', () => {
  it.each([
    ['redis://127.0.0.1:6379', { host: '127.0.0.1', port: 6379 }],
    ['redis://redis', { host: 'redis', port: 6379 }],
    ['redis://:s%40cret@cache.internal:6380/2', { host: 'cache.internal', port: 6380, password: 's@cret', db: 2 }],
    ['redis://user:pw@h:1/0', { host: 'h', port: 1, username: 'user', password: 'pw', db: 0 }],
    ['rediss://h.example', { host: 'h.example', port: 6379, tls: { servername: 'h.example' } }],
    ['redis://[::1]:7000', { host: '::1', port: 7000 }],
  ])('%s', (url, expected) => {
    expect(redisOptionsFromUrl(url)).toEqual(expected);
  });

  it('refuses a path that is not a database number', () => {
    expect(() => redisOptionsFromUrl('redis://h/cache')).toThrow(UsageError);
  });

  it('gives workers connections that wait out an outage', () => {
    const options = workerConnectionOptions('redis://h:1', 'w');
    expect(options).toMatchObject({
      host: 'h',
      port: 1,
      connectionName: 'w',
      maxRetriesPerRequest: null,
      enableOfflineQueue: true,
    });
    expect(options.retryStrategy(1)).toBe(250);
    expect(options.retryStrategy(100)).toBe(5_000);
  });
});

describe('small helpers', () => {
  it('redacts passwords', () => {
    expect(redactRedisUrl('redis://u:secret@h:1/0')).toBe('redis://u:***@h:1/0');
    expect(redactRedisUrl('redis://h:1')).toBe('redis://h:1');
  });

  it('backs off reconnections up to 5 s', () => {
    expect([1, 2, 3, 4, 5, 6, 50].map(reconnectDelay)).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000]);
  });

  // The prefix starts every key of the queue, the host gate and the claims: nothing that could break a key pattern.
  it.each(['citesnap', 'citesnap-test-1', 'a.b_c'])('accepts the prefix %s', (prefix) => {
    expect(loadConfig({ CITESNAP_QUEUE_PREFIX: prefix }).queuePrefix).toBe(prefix);
  });

  it.each(['.a', 'a:b', '-a', 'a b', 'x'.repeat(101), 'a{b}'])('refuses the prefix %j', (prefix) => {
    expect(() => loadConfig({ CITESNAP_QUEUE_PREFIX: prefix })).toThrow(/^CITESNAP_QUEUE_PREFIX: expected/);
  });
});

describe('connectProducerRedis', () => {
  it('connects to the test Redis', async () => {
    const client = await connectProducerRedis(testRedisUrl());
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
  });

  it('fails at once, with a message that says what to do, when nothing listens', async () => {
    const started = Date.now();
    const attempt = connectProducerRedis('redis://:hunter2@127.0.0.1:1');
    await expect(attempt).rejects.toBeInstanceOf(RedisUnavailableError);
    await expect(attempt).rejects.toThrow(
      "cannot reach Redis at redis://:***@127.0.0.1:1 (connection refused); start one (e.g. 'docker compose up -d redis') or set REDIS_URL",
    );
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
