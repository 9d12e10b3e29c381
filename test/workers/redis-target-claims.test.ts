import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { workerConnectionOptions } from '../../workers/connection.js';
import { RedisTargetClaims } from '../../workers/redis-target-claims.js';
import { adminRedis, deleteKeys, keyEvents, testRedisUrl, uniquePrefix } from './support/redis.js';

describe('RedisTargetClaims', () => {
  let prefix = uniquePrefix();
  const clients: Redis[] = [];
  const claimsOf = (ttlMs = 30_000) => {
    const redis = new Redis(workerConnectionOptions(testRedisUrl(), `${prefix}:claims`));
    clients.push(redis);
    return { redis, claims: new RedisTargetClaims({ redis, prefix, ttlMs, pollMs: 20, maxPollMs: 100 }) };
  };

  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    const admin = adminRedis();
    await deleteKeys(admin, prefix);
    await admin.quit();
    prefix = uniquePrefix();
  });

  it('lets one holder at a time have a target; the next gets it on release', async () => {
    const a = claimsOf().claims;
    const b = claimsOf().claims;
    const order: string[] = [];
    const releaseA = await a.acquire('link:https://news.example/a');
    order.push('a acquired');
    const waitingB = b.acquire('link:https://news.example/a').then((release) => {
      order.push('b acquired');
      return release;
    });
    // Another target is not held up.
    const other = await b.acquire('link:https://news.example/other');
    await other();
    order.push('a releases');
    await releaseA();
    const releaseB = await waitingB;
    await releaseB();
    expect(order).toEqual(['a acquired', 'a releases', 'b acquired']);
  });

  it('frees the claim of a holder that died once it expires, and renews a living holder', async () => {
    const dying = claimsOf(400);
    const redisKey = dying.claims.keyOf('post:1');
    const events = await keyEvents(redisKey);
    onTestFinished(() => events.close());
    await dying.claims.acquire('post:1');
    dying.claims.abandon();
    dying.redis.disconnect();
    const admin = adminRedis();
    onTestFinished(() => admin.quit().then(() => undefined));
    // Its last renewal is in: when, on Redis's clock, the dead holder's claim runs out.
    const dyingClaimEnds = Number(await admin.call('PEXPIRETIME', redisKey));
    expect(dyingClaimEnds).toBeGreaterThan(0);
    const living = claimsOf(400).claims;
    const release = await living.acquire('post:1');
    // The living holder got it only once that claim had run out on Redis's clock. (Not by the
    // order the 'expired' notification and the reply arrive in: they come on two connections.)
    const [seconds, micros] = await admin.time();
    expect(Number(seconds) * 1000 + Number(micros) / 1000).toBeGreaterThanOrEqual(dyingClaimEnds);

    // Renewed every ttl/3: after ten renewals (over three ttl periods) it is still held.
    const third = claimsOf(400).claims;
    let thirdGotIt = false;
    const waiting = third.acquire('post:1').then((releaseThird) => {
      thirdGotIt = true;
      return releaseThird;
    });
    await events.next('expire', 10);
    expect(thirdGotIt).toBe(false);
    expect(events.seen.filter((event) => event === 'expired')).toHaveLength(1);
    await release();
    await (
      await waiting
    )();
  });

  it('never releases a claim that expired and went to another holder', async () => {
    const late = claimsOf(300);
    const releaseLate = await late.claims.acquire('post:2');
    late.claims.abandon(); // stops renewing: the claim expires while "late" still works
    const next = claimsOf(300).claims;
    const releaseNext = await next.acquire('post:2');
    await releaseLate();
    const admin = adminRedis();
    expect(await admin.exists(next.keyOf('post:2'))).toBe(1);
    await releaseNext();
    expect(await admin.exists(next.keyOf('post:2'))).toBe(0);
    await admin.quit();
  });

  it('gives up what it holds, and claims nothing more, once closed', async () => {
    const closing = claimsOf().claims;
    await closing.acquire('post:3');
    const other = claimsOf().claims;
    const waiting = other.acquire('post:3');
    await closing.close();
    await (
      await waiting
    )();
    await expect(closing.acquire('post:4')).rejects.toThrow('closed');
  });

  it('keeps keys short', () => {
    const { claims } = claimsOf();
    expect(claims.keyOf('post:1')).toBe(`${prefix}:claim:post:1`);
    expect(claims.keyOf(`link:https://news.example/${'x'.repeat(500)}`)).toMatch(
      new RegExp(`^${prefix}:claim:sha256:[0-9a-f]{64}$`),
    );
  });
});
