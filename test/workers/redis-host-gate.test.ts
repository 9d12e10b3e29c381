import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { workerConnectionOptions } from '../../workers/connection.js';
import { RedisHostGate } from '../../workers/redis-host-gate.js';
import { spawnTsx } from './support/processes.js';
import { adminRedis, deleteKeys, keyEvents, testRedisUrl, uniquePrefix } from './support/redis.js';

/**
 * A TCP relay to the test Redis that can stop passing bytes on, as a stalled network
 * or a Redis that stopped answering would look to one process, without stalling the
 * Redis that other tests share.
 */
async function startRedisRelay() {
  const upstream = new URL(testRedisUrl());
  const sockets: Socket[] = [];
  let frozen = false;
  const server = createTcpServer((client) => {
    const redis = connect(Number(upstream.port || 6379), upstream.hostname);
    sockets.push(client, redis);
    client.pipe(redis);
    redis.pipe(client);
    client.on('error', () => redis.destroy());
    redis.on('error', () => client.destroy());
    if (frozen) for (const socket of [client, redis]) socket.pause();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const relayed = new URL(testRedisUrl());
  relayed.hostname = '127.0.0.1';
  relayed.port = String((server.address() as AddressInfo).port);
  return {
    url: relayed.href,
    freeze: () => {
      frozen = true;
      for (const socket of sockets) socket.pause();
    },
    thaw: () => {
      frozen = false;
      for (const socket of sockets) socket.resume();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A "process" of the gate: its own connection and its own gate, as another worker would have. */
function openGate(prefix: string, options: { limit?: number; leaseMs?: number; redisUrl?: string } = {}) {
  const redis = new Redis(workerConnectionOptions(options.redisUrl ?? testRedisUrl(), `${prefix}:gate`));
  const gate = new RedisHostGate({
    redis,
    hostConcurrency: options.limit ?? 2,
    prefix,
    pollMs: 50,
    ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}),
  });
  return {
    redis,
    gate,
    close: async () => {
      await gate.close();
      redis.disconnect();
    },
  };
}

describe('RedisHostGate', () => {
  let prefix = uniquePrefix();
  const opened: { close(): Promise<void> }[] = [];
  const open = (options?: { limit?: number; leaseMs?: number; redisUrl?: string }) => {
    const gate = openGate(prefix, options);
    opened.push(gate);
    return gate;
  };

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((gate) => gate.close()));
    const admin = adminRedis();
    await deleteKeys(admin, prefix);
    await admin.quit();
    prefix = uniquePrefix();
  });

  it('never lets more than the limit in flight across gates, and reaches it', async () => {
    const gates = [open({ limit: 3 }).gate, open({ limit: 3 }).gate];
    let inFlight = 0;
    let maxInFlight = 0;
    let done = 0;
    await Promise.all(
      Array.from({ length: 40 }, async (_, index) => {
        const gate = gates[index % 2]!;
        const release = await gate.acquire('news.example');
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        // The request takes a moment, so the others really wait.
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight -= 1;
        done += 1;
        release();
      }),
    );
    expect(done).toBe(40);
    expect(maxInFlight).toBe(3);
  });

  it('keeps hosts apart', async () => {
    const { gate } = open({ limit: 1 });
    const first = await gate.acquire('a.example');
    // a.example is full; b.example still lets a request in (a hang here times the test out).
    const other = gate.acquire('b.example');
    await expect(other).resolves.toBeTypeOf('function');
    (await other)();
    first();
  });

  it('makes every gate wait out a slowdown another asked for', async () => {
    const asker = open().gate;
    const other = open().gate;
    await asker.slowDown('busy.example', 600);
    // A shorter slowdown does not cut the longer one short.
    await other.slowDown('busy.example', 10);
    const started = Date.now();
    let busyLetIn = false;
    const busy = other.acquire('busy.example').then((release) => {
      busyLetIn = true;
      return release;
    });
    // Another host is not slowed down: it gets its place while busy.example still waits.
    (await other.acquire('calm.example'))();
    expect(busyLetIn).toBe(false);
    (await busy)();
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
  });

  it('frees the places of a process that died once their leases expire, and renews the leases of one that lives', async () => {
    const dying = open({ limit: 1, leaseMs: 600 });
    const living = open({ limit: 1, leaseMs: 600 });
    await dying.gate.acquire('news.example');
    const admin = adminRedis();
    onTestFinished(() => admin.quit().then(() => undefined));
    const leasesKey = `${prefix}:host-gate:{news.example}:leases`;
    const [, dyingLeaseEnds] = await admin.zrange(leasesKey, 0, -1, 'WITHSCORES');
    // The process dies: no release, no renewal.
    dying.gate.abandon();
    dying.redis.disconnect();
    const release = await living.gate.acquire('news.example');
    // On Redis's clock, which the leases run on: the place came free only once the dead
    // process's lease had run out, not before. (How soon after is bounded by the test's
    // timeout: a place that never came free would hang here.)
    const [seconds, micros] = await admin.time();
    expect(Number(seconds) * 1000 + Number(micros) / 1000).toBeGreaterThanOrEqual(Number(dyingLeaseEnds));

    // Held past three lease periods, the place is still held (renewed), so a third waits.
    // A lease runs on Redis's clock: await its renewals (each a PEXPIRE of the host's
    // lease set, one every fifth of the lease), not a sleep.
    const renewals = await keyEvents(`${prefix}:host-gate:{news.example}:leases`);
    onTestFinished(() => renewals.close());
    const third = open({ limit: 1, leaseMs: 600 }).gate;
    const controller = new AbortController();
    let thirdGotIt = false;
    const waiting = third.acquire('news.example', controller.signal).then((releaseThird) => {
      thirdGotIt = true;
      return releaseThird;
    });
    await renewals.next('expire', 16);
    expect(thirdGotIt).toBe(false);
    controller.abort(new Error('gave up'));
    await expect(waiting).rejects.toThrow('gave up');
    release();
    release();
    (await third.acquire('news.example'))();
  });

  it('gives a place up, and stops its request, before its lease can run out when renewals do not get through', async () => {
    const relay = await startRedisRelay();
    try {
      const stalled = open({ limit: 1, leaseMs: 1_000, redisUrl: relay.url }).gate;
      const other = open({ limit: 1, leaseMs: 1_000 }).gate;
      const place = await stalled.acquire('news.example');
      const order: string[] = [];
      place.lost.addEventListener('abort', () => order.push('lost by the stalled process'));
      relay.freeze();
      const taken = await other.acquire('news.example');
      order.push('taken by another');
      // Never both at once: the stalled process gave the place up before its lease ran out in Redis.
      expect(order).toEqual(['lost by the stalled process', 'taken by another']);
      expect(String(place.lost.reason)).toContain('could not be renewed in time');
      taken();
      relay.thaw();
      place();
    } finally {
      relay.thaw();
      await Promise.all(opened.splice(0).map((gate) => gate.close()));
      await relay.close();
    }
  });

  it('loses a place whose lease Redis no longer has (a restart that lost its data)', async () => {
    const { gate } = open({ limit: 1, leaseMs: 600 });
    const place = await gate.acquire('news.example');
    const admin = adminRedis();
    await admin.del(`${prefix}:host-gate:{news.example}:leases`);
    await admin.quit();
    await once(place.lost, 'abort');
    expect(String(place.lost.reason)).toContain('gone from Redis');
    place();
  });

  it('gives up the places it holds when closed', async () => {
    const closing = open({ limit: 1 }).gate;
    await closing.acquire('news.example');
    const other = open({ limit: 1 }).gate;
    const waiting = other.acquire('news.example');
    await closing.close();
    await expect(waiting).resolves.toBeTypeOf('function');
    (await waiting)();
  });

  it('rejects at once for an aborted signal, and after close', async () => {
    const { gate } = open();
    await expect(gate.acquire('a.example', AbortSignal.abort(new Error('no')))).rejects.toThrow('no');
    await gate.close();
    await expect(gate.acquire('a.example')).rejects.toThrow('closed');
  });

  it('sends each script in full once a connection, and by its SHA after', async () => {
    const monitor = await adminRedis().monitor();
    const scriptCalls: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      const command = args[0]?.toLowerCase();
      if ((command === 'eval' || command === 'evalsha') && args.some((arg) => arg.startsWith(`${prefix}:`)))
        scriptCalls.push(command);
    });
    try {
      const { gate } = open();
      for (let round = 0; round < 3; round += 1) (await gate.acquire('news.example'))();
      await gate.slowDown('news.example', 1);
      // Releases are sent without waiting for their answers: wait for all seven calls to show.
      await vi.waitFor(() => expect(scriptCalls).toHaveLength(7));
      // Acquire, release and slow down in full once each; the other acquires and releases by SHA.
      expect(scriptCalls.filter((command) => command === 'eval')).toHaveLength(3);
    } finally {
      monitor.disconnect();
    }
  });
});

describe('RedisHostGate across processes', () => {
  const prefix = uniquePrefix();
  let server: Server;
  let target: string;
  const barrier: (() => void)[] = [];
  const inFlight = new Map<string, number>();
  let total = 0;
  let maxInFlight = 0;
  let sawBothAtOnce = false;

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/go') {
        // Both processes start hammering together.
        barrier.push(() => response.end('go'));
        if (barrier.length === 2) for (const go of barrier.splice(0)) go();
        return;
      }
      const pid = String(request.headers['x-process']);
      inFlight.set(pid, (inFlight.get(pid) ?? 0) + 1);
      total += 1;
      const now = [...inFlight.values()].reduce((sum, count) => sum + count, 0);
      maxInFlight = Math.max(maxInFlight, now);
      if ([...inFlight.values()].filter((count) => count > 0).length === 2) sawBothAtOnce = true;
      setTimeout(() => {
        inFlight.set(pid, (inFlight.get(pid) ?? 1) - 1);
        response.end('ok');
      }, 15);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    server.close();
    const admin = adminRedis();
    await deleteKeys(admin, prefix);
    await admin.quit();
  });

  const env = (mode: string, extra: Record<string, string> = {}) => ({
    REDIS_URL: testRedisUrl(),
    GATE_PREFIX: prefix,
    GATE_HOST: 'hammered.example',
    GATE_LIMIT: '3',
    GATE_MODE: mode,
    ...extra,
  });

  it('holds the limit across two processes hammering one host', async () => {
    const processes = [0, 1].map(() =>
      spawnTsx('test/workers/support/gate-process.ts', [], env('hammer', { GATE_TARGET: target, GATE_COUNT: '40' })),
    );
    const codes = await Promise.all(processes.map((child) => child.exited));
    expect(codes, processes.map((child) => child.stderr()).join('\n')).toEqual([0, 0]);
    expect(total).toBe(80);
    expect(maxInFlight).toBe(3);
    expect(sawBothAtOnce).toBe(true);
  });

  it('makes this process wait out a slowdown another process asked for', async () => {
    const delayMs = 2_000;
    const { gate, close } = openGate(prefix, { limit: 3 });
    const slower = spawnTsx(
      'test/workers/support/gate-process.ts',
      [],
      env('slowdown', { GATE_DELAY_MS: String(delayMs) }),
    );
    const { slowedAt } = (await slower.event('done')) as { slowedAt: number };
    try {
      const askedAt = Date.now();
      expect(askedAt, 'asked while the slowdown still ran').toBeLessThan(slowedAt + delayMs - 500);
      const release = await gate.acquire('hammered.example');
      expect(Date.now()).toBeGreaterThanOrEqual(slowedAt + delayMs - 50);
      release();
    } finally {
      await close();
    }
    expect(await slower.exited).toBe(0);
    const admin = adminRedis();
    const remaining = await admin.pttl(`${prefix}:host-gate:{hammered.example}:slowed-until`);
    await admin.quit();
    expect(remaining).toBeLessThanOrEqual(0);
  });
});
