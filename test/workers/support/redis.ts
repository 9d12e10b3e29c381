import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';

/** The Redis the test run uses (test/support/redis-global-setup.ts). */
export function testRedisUrl(): string {
  return inject('redisUrl');
}

/** A BullMQ prefix no other test uses, so tests share one Redis without meeting. */
export function uniquePrefix(): string {
  return `citesnap-test-${randomUUID()}`;
}

/** A plain client for the test's own look at Redis; close it with `quit()`. */
export function adminRedis(): Redis {
  return new Redis(testRedisUrl(), { maxRetriesPerRequest: 3, connectionName: 'citesnap-test-admin' });
}

/** Deletes every key under `prefix:` (queues, host gate, claims): what obliterate does, for all of them. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}

/**
 * Kills the connections whose name starts with `prefix:` (every connection of the
 * workers under test is named so), as `CLIENT KILL TYPE normal` would, without
 * touching the connections of test files running at the same time.
 */
export async function killConnections(redis: Redis, prefix: string): Promise<number> {
  const list = (await redis.client('LIST')) as string;
  let killed = 0;
  for (const line of list.split('\n')) {
    const id = /(?:^| )id=(\d+)/.exec(line)?.[1];
    const name = /(?:^| )name=(\S*)/.exec(line)?.[1] ?? '';
    if (id !== undefined && name.startsWith(`${prefix}:`)) {
      killed += Number(await redis.client('KILL', 'ID', id));
    }
  }
  return killed;
}

/** What Redis says happened to one key: `expire` (a PEXPIRE, i.e. a renewal), `expired`, `del`, … */
export interface KeyEvents {
  /** Resolves once `event` has happened `count` more times from now. */
  next(event: string, count?: number): Promise<void>;
  /** Every event seen so far, in order. */
  readonly seen: readonly string[];
  close(): Promise<void>;
}

/**
 * Listens to Redis's keyspace notifications for `key`, so a lease test can await what
 * Redis did (a renewal, an expiry) instead of sleeping: a lease's time runs on Redis's
 * own clock, which no fake timer reaches. Turns on generic and expiry notifications
 * (`Kgx`, added to any already on); they cost Redis little and change no reply.
 */
export async function keyEvents(key: string): Promise<KeyEvents> {
  const admin = adminRedis();
  const [, flags = ''] = (await admin.config('GET', 'notify-keyspace-events')) as [string, string];
  const wanted = [...new Set([...flags, 'K', 'g', 'x'])].join('');
  await admin.config('SET', 'notify-keyspace-events', wanted);
  await admin.quit();

  const subscriber = new Redis(testRedisUrl(), { connectionName: 'citesnap-test-key-events' });
  const seen: string[] = [];
  const waiters: { event: string; remaining: number; resolve: () => void }[] = [];
  subscriber.on('pmessage', (_pattern: string, _channel: string, event: string) => {
    seen.push(event);
    for (const waiter of [...waiters]) {
      if (waiter.event !== event) continue;
      waiter.remaining -= 1;
      if (waiter.remaining === 0) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  await subscriber.psubscribe(`__keyspace@*__:${key}`);
  return {
    seen,
    next: (event, count = 1) => new Promise((resolve) => waiters.push({ event, remaining: count, resolve })),
    close: async () => {
      await subscriber.quit();
    },
  };
}
