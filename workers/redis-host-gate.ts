import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { hostPlace, type HostGate, type HostPlace } from '../src/net/host-gate.js';
import { errorFields, silentLogger } from './log.js';
import type { Logger } from '../src/ports.js';
import { asError } from '../src/errors.js';

/**
 * A HostGate shared by every worker process on one Redis (contract section 9): at
 * most `hostConcurrency` requests in flight to a host across all of them, and a
 * slowdown after a 429 or 503 that holds back every process, not only the one that
 * got the answer.
 *
 * The algorithm is a sorted-set semaphore with leases, one set a host:
 *
 *   <prefix>:host-gate:{<host>}:leases        member = lease id, score = expiry (ms)
 *   <prefix>:host-gate:{<host>}:slowed-until  string = epoch ms, expiring with it
 *
 * One Lua script takes places atomically: it reads Redis's own clock (so the
 * machines' clocks need not agree), refuses while the host is slowed down, drops
 * expired leases, and adds leases while fewer than the limit remain (as many at
 * once as this process has requests waiting for the host). A process
 * renews its leases every fifth of `leaseMs` while their requests run, so a
 * process that dies (SIGKILL, a lost machine) frees its places within `leaseMs`
 * (5 s by default).
 *
 * Short leases must never let a place be held twice. A lease Redis has is valid
 * until at least the moment its command was sent plus `leaseMs` (Redis adds the
 * lease when the command arrives, later). Each lease is held here only until that
 * moment less a margin, measured on this process's monotonic clock: a renewal that
 * comes back in time moves it on; one that does not (Redis stalled, restarted, the
 * connection lost, the event loop blocked) or that finds the lease gone makes the
 * place lost, and its request is cut short (HostPlace.lost) before another process
 * can be given the place.
 * Releasing removes the lease and publishes the host on a channel, which wakes the
 * processes waiting for that host; a short poll covers a lost notice and expiries.
 * Within a process, waiters of one host queue first come, first served, and one
 * attempt (for all of them) a host is in flight at a time.
 */
export interface RedisHostGateOptions {
  /** Commands; a worker-style connection (maxRetriesPerRequest: null). Not closed by the gate; its scripts are defined on it. */
  redis: Redis;
  /** CITESNAP_HOST_CONCURRENCY: requests in flight to one host across all processes. */
  hostConcurrency: number;
  /** Key prefix: CITESNAP_QUEUE_PREFIX, as the queue's. */
  prefix: string;
  /** How long a place is kept without renewal, i.e. after its process died. Default 5000 ms. */
  leaseMs?: number;
  /** Longest wait between two attempts when the host is full. Default 250 ms. */
  pollMs?: number;
  log?: Logger;
}

interface Waiter {
  resolve(place: HostPlace): void;
  reject(reason: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** A lease this process holds, and until when (performance.now() ms) it is sure Redis still has it. */
interface HeldLease {
  id: string;
  heldUntil: number;
  /** Fires at heldUntil: the place is lost unless a renewal moved heldUntil on first. */
  expiry: NodeJS.Timeout | undefined;
  lost: AbortController;
}

interface HostState {
  waiting: Waiter[];
  pumping: boolean;
  /** Ends the current wait between attempts early (a release was announced). */
  wake: (() => void) | undefined;
}

/**
 * Takes up to #ARGV - 2 places at once (one a lease id given), as many as are free;
 * returns {places taken, ms until the slowdown ends (0 when not slowed down)}.
 */
const ACQUIRE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local slowedUntil = tonumber(redis.call('GET', KEYS[2]) or '0')
if slowedUntil > now then return {0, slowedUntil - now} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local limit = tonumber(ARGV[1])
local leaseMs = tonumber(ARGV[2])
local free = limit - redis.call('ZCARD', KEYS[1])
local taken = 0
for i = 3, #ARGV do
  if taken >= free then break end
  redis.call('ZADD', KEYS[1], now + leaseMs, ARGV[i])
  taken = taken + 1
end
if taken > 0 then redis.call('PEXPIRE', KEYS[1], leaseMs) end
return {taken, 0}
`;

/** Renews the leases still there and unexpired; returns the ids of those that are not (lost). */
const RENEW_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local leaseMs = tonumber(ARGV[1])
local renewed = 0
local missing = {}
for i = 2, #ARGV do
  local expiry = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if expiry and tonumber(expiry) > now then
    redis.call('ZADD', KEYS[1], now + leaseMs, ARGV[i])
    renewed = renewed + 1
  else
    missing[#missing + 1] = ARGV[i]
  end
end
if renewed > 0 then redis.call('PEXPIRE', KEYS[1], leaseMs) end
return missing
`;

const RELEASE_SCRIPT = `
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return removed
`;

const SLOW_DOWN_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local delayMs = tonumber(ARGV[1])
local untilMs = now + delayMs
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if untilMs > current then
  redis.call('SET', KEYS[1], string.format('%d', untilMs), 'PX', delayMs)
  return delayMs
end
return current - now
`;

/**
 * The gate's scripts as commands of its connection: ioredis sends a script's text once
 * a connection and its SHA after (EVALSHA, with EVAL again on NOSCRIPT), instead of
 * the text on every request to a host. Named so as not to meet BullMQ's commands,
 * which may be defined on the same connection.
 */
interface HostGateCommands {
  hostGateAcquire(
    leasesKey: string,
    slowedUntilKey: string,
    limit: string,
    leaseMs: string,
    ...leaseIds: string[]
  ): Promise<[number, number]>;
  hostGateRenew(leasesKey: string, leaseMs: string, ...leaseIds: string[]): Promise<string[]>;
  hostGateRelease(leasesKey: string, leaseId: string, channel: string, host: string): Promise<number>;
  hostGateSlowDown(slowedUntilKey: string, delayMs: string): Promise<number>;
}

function withHostGateCommands(redis: Redis): Redis & HostGateCommands {
  redis.defineCommand('hostGateAcquire', { numberOfKeys: 2, lua: ACQUIRE_SCRIPT });
  redis.defineCommand('hostGateRenew', { numberOfKeys: 1, lua: RENEW_SCRIPT });
  redis.defineCommand('hostGateRelease', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
  redis.defineCommand('hostGateSlowDown', { numberOfKeys: 1, lua: SLOW_DOWN_SCRIPT });
  return redis as Redis & HostGateCommands;
}

export class RedisHostGate implements HostGate {
  readonly #redis: Redis & HostGateCommands;
  readonly #subscriber: Redis;
  readonly #limit: number;
  readonly #prefix: string;
  readonly #leaseMs: number;
  /** How much sooner than its lease this process gives a place up: room for clock drift. */
  readonly #marginMs: number;
  readonly #pollMs: number;
  readonly #log: Logger;
  readonly #channel: string;
  readonly #hosts = new Map<string, HostState>();
  /** Leases held by this process, by host and lease id: renewed until released or lost. */
  readonly #held = new Map<string, Map<string, HeldLease>>();
  readonly #renewTimer: NodeJS.Timeout;
  #closed = false;

  constructor(options: RedisHostGateOptions) {
    if (!Number.isInteger(options.hostConcurrency) || options.hostConcurrency < 1) {
      throw new RangeError(`hostConcurrency must be an integer of 1 or more, not ${options.hostConcurrency}`);
    }
    this.#redis = withHostGateCommands(options.redis);
    this.#limit = options.hostConcurrency;
    this.#prefix = options.prefix;
    this.#leaseMs = options.leaseMs ?? 5_000;
    this.#marginMs = Math.min(1_000, Math.floor(this.#leaseMs / 10));
    this.#pollMs = options.pollMs ?? 250;
    this.#log = options.log ?? silentLogger;
    this.#channel = `${this.#prefix}:host-gate:released`;

    this.#subscriber = this.#redis.duplicate({ connectionName: `${this.#prefix}:host-gate-notices` });
    this.#subscriber.on('error', (error: Error) =>
      this.#log.debug('host_gate.notice_connection_error', errorFields(error)),
    );
    this.#subscriber.on('message', (_channel: string, host: string) => this.#hosts.get(host)?.wake?.());
    // ioredis subscribes again after a reconnection; until the first subscription, polling serves.
    void this.#subscriber
      .subscribe(this.#channel)
      .catch((error: unknown) => this.#log.warn('host_gate.subscribe_failed', errorFields(error)));

    // Four renewals a lease: a late one or two still keep the place.
    this.#renewTimer = setInterval(() => this.#renewAll(), Math.max(50, Math.floor(this.#leaseMs / 5)));
    this.#renewTimer.unref();
  }

  acquire(host: string, signal?: AbortSignal): Promise<HostPlace> {
    if (this.#closed) return Promise.reject(new Error('the host gate is closed'));
    if (signal?.aborted) return Promise.reject(asError(signal.reason));
    const state = this.#stateOf(host);
    return new Promise<HostPlace>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => {
          const index = state.waiting.indexOf(waiter);
          if (index >= 0) state.waiting.splice(index, 1);
          reject(asError(signal.reason));
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      state.waiting.push(waiter);
      this.#pump(host, state);
    });
  }

  async slowDown(host: string, delayMs: number): Promise<void> {
    if (!(delayMs > 0)) return;
    await this.#redis.hostGateSlowDown(this.#slowedUntilKey(host), String(Math.ceil(delayMs)));
    this.#log.info('host_gate.slow_down', { host, delayMs: Math.ceil(delayMs) });
  }

  /**
   * Rejects the waiters still queued and gives up the places still held: they
   * belong to requests this process abandons as it exits (a job handed back on
   * shutdown), which would otherwise hold the host's places for `leaseMs`.
   * Does not close `redis`.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#renewTimer);
    for (const state of this.#hosts.values()) {
      for (const waiter of state.waiting.splice(0)) this.#settle(waiter).reject(new Error('the host gate is closed'));
      state.wake?.();
    }
    const held = [...this.#held.entries()];
    this.#held.clear();
    this.#subscriber.disconnect();
    // A request still holding a place stops: once given back, its place is another's.
    for (const [, leases] of held) for (const lease of leases.values()) this.#forget(lease, 'the host gate closed');
    await Promise.all(
      held.flatMap(([host, leases]) =>
        [...leases.keys()].map((leaseId) =>
          this.#redis
            .hostGateRelease(this.#leasesKey(host), leaseId, this.#channel, host)
            .catch((error: unknown) => this.#log.warn('host_gate.release_failed', { host, ...errorFields(error) })),
        ),
      ),
    );
  }

  /** Stops renewing without giving anything up, as a process that dies would: for tests. */
  abandon(): void {
    this.#closed = true;
    clearInterval(this.#renewTimer);
    for (const leases of this.#held.values()) for (const lease of leases.values()) clearTimeout(lease.expiry);
    this.#held.clear();
    this.#subscriber.disconnect();
  }

  #stateOf(host: string): HostState {
    let state = this.#hosts.get(host);
    if (state === undefined) {
      state = { waiting: [], pumping: false, wake: undefined };
      this.#hosts.set(host, state);
    }
    return state;
  }

  /** Takes places for this host's waiters, in order, until none waits; one pump a host at a time. */
  #pump(host: string, state: HostState): void {
    if (state.pumping) {
      state.wake?.();
      return;
    }
    state.pumping = true;
    void (async () => {
      try {
        while (state.waiting.length > 0 && !this.#closed) {
          // One round trip asks for a place for every waiter of this host.
          const leaseIds = state.waiting.map(() => randomUUID());
          let taken: number;
          let slowedForMs: number;
          // Before the command goes: Redis's lease runs from a later moment, never an earlier one.
          const sentAt = performance.now();
          try {
            [taken, slowedForMs] = await this.#tryAcquire(host, leaseIds);
          } catch (error) {
            // A disconnection makes the command wait, not fail: this is a real error.
            this.#log.error('host_gate.acquire_failed', { host, ...errorFields(error) });
            const waiter = state.waiting.shift();
            if (waiter) this.#settle(waiter).reject(error);
            continue;
          }
          // An answer that took most of a lease to come back leaves no time to use the places.
          const heldUntil = sentAt + this.#leaseMs - this.#marginMs;
          const usable = heldUntil - performance.now() > this.#leaseMs / 2;
          for (const leaseId of leaseIds.slice(0, taken)) {
            // A waiter may have given up (aborted) during the round trip: its place goes back.
            const waiter = usable && !this.#closed ? state.waiting.shift() : undefined;
            const lease = this.#hold(host, leaseId, heldUntil);
            if (waiter === undefined) this.#releaseLease(host, leaseId);
            else this.#settle(waiter).resolve(this.#placeOf(host, lease));
          }
          if (state.waiting.length === 0) break;
          // Full: wait for a release notice or the poll; slowed down: wait it out.
          if (slowedForMs > 0) await this.#waitBeforeRetry(state, slowedForMs, false);
          else if (taken === 0) await this.#waitBeforeRetry(state, this.#pollMs, true);
        }
      } finally {
        state.pumping = false;
        if (state.waiting.length === 0 && !this.#held.has(host)) this.#hosts.delete(host);
        else if (state.waiting.length > 0 && !this.#closed) this.#pump(host, state);
      }
    })();
  }

  #tryAcquire(host: string, leaseIds: readonly string[]): Promise<[number, number]> {
    return this.#redis.hostGateAcquire(
      this.#leasesKey(host),
      this.#slowedUntilKey(host),
      String(this.#limit),
      String(this.#leaseMs),
      ...leaseIds,
    );
  }

  #waitBeforeRetry(state: HostState, ms: number, wakeOnRelease: boolean): Promise<void> {
    // Jitter keeps the processes of a fleet from retrying in step; never early, so a slowdown is waited out.
    const delay = Math.max(1, Math.round(ms * (1 + Math.random() * 0.2)));
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        state.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, delay);
      state.wake = wakeOnRelease ? done : undefined;
    });
  }

  #hold(host: string, leaseId: string, heldUntil: number): HeldLease {
    let leases = this.#held.get(host);
    if (leases === undefined) {
      leases = new Map();
      this.#held.set(host, leases);
    }
    const lease: HeldLease = { id: leaseId, heldUntil, expiry: undefined, lost: new AbortController() };
    leases.set(leaseId, lease);
    this.#armExpiry(host, lease);
    return lease;
  }

  /** Loses the place at `heldUntil`, unless a renewal moves it on first. */
  #armExpiry(host: string, lease: HeldLease): void {
    clearTimeout(lease.expiry);
    lease.expiry = setTimeout(
      () => this.#lose(host, lease, 'its lease could not be renewed in time'),
      Math.max(0, lease.heldUntil - performance.now()),
    );
    // The request holding the place keeps the process alive, not this timer.
    lease.expiry.unref();
  }

  #placeOf(host: string, lease: HeldLease): HostPlace {
    let released = false;
    return hostPlace(() => {
      if (released) return;
      released = true;
      this.#releaseLease(host, lease.id);
    }, lease.lost.signal);
  }

  /** The place is no longer surely this process's: its request must stop, and the lease goes. */
  #lose(host: string, lease: HeldLease, why: string): void {
    if (this.#held.get(host)?.get(lease.id) !== lease) return;
    this.#log.warn('host_gate.lease_lost', { host, reason: why });
    this.#forget(lease, `the place at the host gate for ${host} was lost: ${why}`);
    this.#releaseLease(host, lease.id);
  }

  /** Stops the lease's timer and aborts its place; the caller removes it. */
  #forget(lease: HeldLease, why: string): void {
    clearTimeout(lease.expiry);
    lease.expiry = undefined;
    lease.lost.abort(new Error(why));
  }

  #releaseLease(host: string, leaseId: string): void {
    const leases = this.#held.get(host);
    const lease = leases?.get(leaseId);
    if (lease) clearTimeout(lease.expiry);
    leases?.delete(leaseId);
    if (leases?.size === 0) this.#held.delete(host);
    const state = this.#hosts.get(host);
    // Waiters of this process need no notice from Redis to try again.
    state?.wake?.();
    if (state && !state.pumping && state.waiting.length === 0 && !this.#held.has(host)) this.#hosts.delete(host);
    void this.#redis
      .hostGateRelease(this.#leasesKey(host), leaseId, this.#channel, host)
      .catch((error: unknown) => this.#log.warn('host_gate.release_failed', { host, ...errorFields(error) }));
  }

  #renewAll(): void {
    for (const [host, leases] of this.#held) {
      const ids = [...leases.keys()];
      if (ids.length === 0) continue;
      const sentAt = performance.now();
      void this.#redis
        .hostGateRenew(this.#leasesKey(host), String(this.#leaseMs), ...ids)
        .then((missing) => {
          const gone = new Set(missing);
          for (const id of ids) {
            // A lease released or lost while this ran is not held any more.
            const lease = this.#held.get(host)?.get(id);
            if (lease === undefined) continue;
            if (gone.has(id)) {
              this.#lose(host, lease, 'its lease was gone from Redis (expired, or Redis lost it)');
            } else {
              lease.heldUntil = Math.max(lease.heldUntil, sentAt + this.#leaseMs - this.#marginMs);
              this.#armExpiry(host, lease);
            }
          }
        })
        .catch((error: unknown) => this.#log.warn('host_gate.renew_failed', { host, ...errorFields(error) }));
    }
  }

  /** Detaches a waiter from its abort signal before it is settled. */
  #settle(waiter: Waiter): Waiter {
    if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener('abort', waiter.onAbort);
    return waiter;
  }

  // The host in braces is a Redis Cluster hash tag: both keys of a host share a slot.
  #leasesKey(host: string): string {
    return `${this.#prefix}:host-gate:{${host}}:leases`;
  }

  #slowedUntilKey(host: string): string {
    return `${this.#prefix}:host-gate:{${host}}:slowed-until`;
  }
}
