import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { TargetClaims } from '../ports.js';
import type { Database } from './database.js';

/**
 * Claims on targets and document locks as lease rows in the database (table `claims`),
 * for a store in PostgreSQL: they guard rows of that database (a target's outcome, a
 * document's record), so they live beside them and hold for every process that shares
 * it, a CLI `archive` without Redis included.
 *
 * Taking a claim is one statement, `INSERT … ON CONFLICT (claim_key) DO UPDATE … WHERE
 * the lease ran out`, which either inserts this holder's row, takes over an expired one,
 * or changes nothing (held): no window where two holders both win. A holder renews all
 * its rows in one UPDATE every third of the lease, so one that dies (SIGKILL, a machine
 * lost) frees them within `leaseMs`. Release deletes the row only while it is still this
 * holder's. Waiters poll with a growing interval, as the Redis claims do.
 */
export interface PostgresClaimsOptions {
  database: Database;
  /** How long a claim lasts without renewal, i.e. after its holder died. Default 30000 ms. */
  leaseMs?: number;
  /** First wait between attempts on a held claim; it doubles up to `maxPollMs`. Default 25 ms. */
  pollMs?: number;
  /** Default 500 ms. */
  maxPollMs?: number;
}

/** How long a release waits for others to go with it. */
const RELEASE_BATCH_MS = 5;

export class PostgresClaims implements TargetClaims {
  readonly #database: Database;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #maxPollMs: number;
  /** This process's name on its rows: host, pid and a random part (a pid is reused across machines and restarts). */
  readonly holder = `${hostname()}:${process.pid}:${randomUUID()}`;
  /** Keys this process holds now: another acquire of one waits here, without asking the database. */
  readonly #held = new Set<string>();
  #renewal: NodeJS.Timeout | undefined;
  #pendingReleases: string[] = [];
  #releasing: Promise<void> | undefined;
  #closed = false;

  constructor(options: PostgresClaimsOptions) {
    this.#database = options.database;
    this.#leaseMs = options.leaseMs ?? 30_000;
    this.#pollMs = options.pollMs ?? 25;
    this.#maxPollMs = options.maxPollMs ?? 500;
  }

  async acquire(key: string): Promise<() => Promise<void>> {
    let waitMs = this.#pollMs;
    for (;;) {
      if (this.#closed) throw new Error(`the claims are closed: ${key} was not claimed`);
      // A key this process holds already is waited for here without asking the database.
      if (!this.#held.has(key) && (await this.#tryClaim(key))) break;
      await new Promise((resolve) => setTimeout(resolve, Math.round(waitMs * (0.75 + Math.random() * 0.5))));
      waitMs = Math.min(waitMs * 2, this.#maxPollMs);
    }
    this.#held.add(key);
    this.#startRenewing();
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      if (!this.#held.delete(key)) return; // given up by close() already
      if (this.#held.size === 0) this.#stopRenewing();
      await this.#release(key);
    };
  }

  /**
   * Releases go out together: those asked for within RELEASE_BATCH_MS share one DELETE
   * (a busy process ends several checks in that time), a round trip saved a claim.
   */
  #release(key: string): Promise<void> {
    this.#pendingReleases.push(key);
    this.#releasing ??= new Promise<void>((resolve) => {
      setTimeout(() => {
        const keys = this.#pendingReleases.splice(0);
        this.#releasing = undefined;
        // A release that does not reach the database expires with the lease: not worth failing finished work.
        void this.#database
          .query('DELETE FROM claims WHERE holder = $1 AND claim_key = ANY($2::text[])', [this.holder, keys])
          .catch(() => undefined)
          .then(() => resolve());
      }, RELEASE_BATCH_MS);
    });
    return this.#releasing;
  }

  /** Refuses new claims and gives up the ones held (work this process abandons as it exits). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#stopRenewing();
    await this.#releasing;
    const keys = [...this.#held];
    this.#held.clear();
    if (keys.length > 0)
      await this.#database
        .query('DELETE FROM claims WHERE holder = $1 AND claim_key = ANY($2::text[])', [this.holder, keys])
        .catch(() => undefined);
  }

  /** Stops renewing without giving anything up, as a process that dies would: for tests. */
  abandon(): void {
    this.#closed = true;
    this.#stopRenewing();
    this.#held.clear();
  }

  async #tryClaim(key: string): Promise<boolean> {
    const rows = await this.#database.query(
      `INSERT INTO claims AS c (claim_key, holder, expires_at)
       VALUES ($1, $2, clock_timestamp() + $3 * interval '1 millisecond')
       ON CONFLICT (claim_key) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
       WHERE c.expires_at < clock_timestamp()
       RETURNING 1`,
      [key, this.holder, this.#leaseMs],
    );
    return rows.length === 1;
  }

  #startRenewing(): void {
    if (this.#renewal !== undefined) return;
    this.#renewal = setInterval(
      () => {
        // One statement renews every claim of this process, however many it holds.
        void this.#database
          .query(`UPDATE claims SET expires_at = clock_timestamp() + $2 * interval '1 millisecond' WHERE holder = $1`, [
            this.holder,
            this.#leaseMs,
          ])
          .catch(() => undefined);
      },
      Math.max(50, Math.floor(this.#leaseMs / 3)),
    );
    this.#renewal.unref();
  }

  #stopRenewing(): void {
    clearInterval(this.#renewal);
    this.#renewal = undefined;
  }
}
