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
