import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger, TargetClaims } from '../src/ports.js';
import { errorFields, silentLogger } from './log.js';

/**
 * Claims on targets (and documents) across every worker on one Redis, so that two
 * workers never fetch the same target at once (contract section 9): the second
 * waits, then finds the first one's check in the index and reuses it.
 *
 * A claim is `SET <prefix>:claim:<key> <token> NX PX <ttlMs>`. Its holder renews
 * it every third of `ttlMs` while the work runs, so a holder that dies frees it
 * within `ttlMs`; releasing deletes it only if the token is still this holder's
 * (a claim that expired and was taken by another is not someone else's to drop).
 * Waiters poll with a growing interval: claims collide rarely (two documents
 * citing one target at the same moment), and a check takes seconds.
 */
export interface RedisTargetClaimsOptions {
  /** A worker-style connection (maxRetriesPerRequest: null). Not closed by the claims; their scripts are defined on it. */
  redis: Redis;
  /** Key prefix: CITESNAP_QUEUE_PREFIX, as the queue's. */
  prefix: string;
  /** How long a claim lasts without renewal, i.e. after its holder died. Default 30000 ms. */
  ttlMs?: number;
  /** First wait between attempts on a held claim; it doubles up to `maxPollMs`. Default 50 ms. */
  pollMs?: number;
  /** Default 1000 ms. */
  maxPollMs?: number;
  log?: Logger;
}

const RENEW_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`;

const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

/** The scripts as commands of the connection, sent by SHA once it has them (see HostGateCommands). */
interface ClaimCommands {
  claimRenew(claimKey: string, token: string, ttlMs: string): Promise<number>;
  claimRelease(claimKey: string, token: string): Promise<number>;
}

function withClaimCommands(redis: Redis): Redis & ClaimCommands {
  redis.defineCommand('claimRenew', { numberOfKeys: 1, lua: RENEW_SCRIPT });
  redis.defineCommand('claimRelease', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
  return redis as Redis & ClaimCommands;
}

/** Keys longer than this are hashed: a URL can be long, and Redis keys are best kept short. */
const MAX_PLAIN_KEY_LENGTH = 200;

export class RedisTargetClaims implements TargetClaims {
  readonly #redis: Redis & ClaimCommands;
  readonly #prefix: string;
  readonly #ttlMs: number;
  readonly #pollMs: number;
  readonly #maxPollMs: number;
  readonly #log: Logger;
  /** Claims held now, by Redis key: their tokens and renewal timers. */
  readonly #held = new Map<string, { token: string; renewal: NodeJS.Timeout }>();
  #closed = false;

  constructor(options: RedisTargetClaimsOptions) {
    this.#redis = withClaimCommands(options.redis);
    this.#prefix = options.prefix;
    this.#ttlMs = options.ttlMs ?? 30_000;
    this.#pollMs = options.pollMs ?? 50;
    this.#maxPollMs = options.maxPollMs ?? 1_000;
    this.#log = options.log ?? silentLogger;
  }

  /** The Redis key of a claim. */
  keyOf(key: string): string {
    const name = key.length <= MAX_PLAIN_KEY_LENGTH ? key : `sha256:${createHash('sha256').update(key).digest('hex')}`;
    return `${this.#prefix}:claim:${name}`;
  }

  async acquire(key: string): Promise<() => Promise<void>> {
    const redisKey = this.keyOf(key);
    const token = randomUUID();
    let waitMs = this.#pollMs;
    let waitedMs = 0;
    for (;;) {
      if (this.#closed) throw new Error(`the target claims are closed: ${key} was not claimed`);
      if ((await this.#redis.set(redisKey, token, 'PX', this.#ttlMs, 'NX')) === 'OK') break;
      const delay = Math.round(waitMs * (0.75 + Math.random() * 0.5));
      await new Promise((resolve) => setTimeout(resolve, delay));
      waitedMs += delay;
      waitMs = Math.min(waitMs * 2, this.#maxPollMs);
    }
    if (waitedMs > 0) this.#log.debug('claim.acquired_after_wait', { key, waitedMs });
    return this.#holding(key, redisKey, token);
  }

  /**
   * Refuses new claims and gives up the ones still held: they belong to work this
   * process abandons as it exits (a job handed back on shutdown), which would
   * otherwise hold up the worker that takes the job over until they expire.
   * Does not close `redis`.
   */
  async close(): Promise<void> {
    this.#closed = true;
    const held = [...this.#held.entries()];
    this.#held.clear();
    for (const [, { renewal }] of held) clearInterval(renewal);
    await Promise.all(
      held.map(([redisKey, { token }]) =>
        this.#redis
          .claimRelease(redisKey, token)
          .catch((error: unknown) => this.#log.warn('claim.release_failed', { key: redisKey, ...errorFields(error) })),
      ),
    );
  }

  /** Stops renewing without giving anything up, as a process that dies would: for tests. */
  abandon(): void {
    this.#closed = true;
    for (const { renewal } of this.#held.values()) clearInterval(renewal);
    this.#held.clear();
  }

  #holding(key: string, redisKey: string, token: string): () => Promise<void> {
    const renewal = setInterval(
      () => {
        void this.#redis
          .claimRenew(redisKey, token, String(this.#ttlMs))
          .then((renewed) => {
            if (renewed !== 1) this.#log.warn('claim.lost', { key, reason: 'expired before it was renewed' });
          })
          .catch((error: unknown) => this.#log.warn('claim.renew_failed', { key, ...errorFields(error) }));
      },
      Math.max(50, Math.floor(this.#ttlMs / 3)),
    );
    renewal.unref();
    this.#held.set(redisKey, { token, renewal });
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      clearInterval(renewal);
      if (this.#held.get(redisKey)?.token === token) this.#held.delete(redisKey);
      else return; // given up by close() already
      try {
        await this.#redis.claimRelease(redisKey, token);
      } catch (error) {
        // The claim expires within ttlMs: not worth failing the work that is done.
        this.#log.warn('claim.release_failed', { key, ...errorFields(error) });
      }
    };
  }
}
