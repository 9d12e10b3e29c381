import { createHash } from 'node:crypto';
import { mkdir, realpath, rmdir, rmdirSync, stat, utimes } from 'node:fs';
import { dirname, join } from 'node:path';
import { lock } from 'proper-lockfile';
import type { TargetClaims } from '../ports.js';

/**
 * Claims on targets and document locks as lock files in the data dir, so that every
 * process sharing it (two `citesnap archive` runs, a run and a worker) checks a target
 * once and the others reuse that check (contract section 8), with no Redis at all.
 *
 * A claim is a lock at `<dataDir>/claims/<2 hex>/<sha256 of the key>.lock`, taken and
 * kept with proper-lockfile (moxystudio/node-proper-lockfile): the lock is a folder made
 * by mkdir, which only one process can make, on a local file system and on NFS alike;
 * its holder touches its mtime every half of `leaseMs`, so the claim of a process that
 * died (SIGKILL, a lost machine) is stale after `leaseMs` and taken over; a holder that
 * finds its lock touched or removed by another knows it lost it. The library is used
 * rather than our own code for those parts: mtime precision probing, stale takeover and
 * compromise detection are its tested core, and it removes its locks when the process
 * exits. Waiters try again with a growing interval, from 25 ms up to 500 ms.
 *
 * Losing a claim (a holder stalled past `leaseMs`, two takers of one stale lock at the
 * same instant) costs at most one target checked twice, never a record: the index
 * entry is replaced whole, and WARC files are each process's own.
 */
export interface DataDirClaimsOptions {
  dataDir: string;
  /** How long a claim lasts without its holder touching it, i.e. after the holder died. Default 10000 ms, at least 2000. */
  leaseMs?: number;
  /** Told when a held claim was lost (see above); the work goes on. Default: nothing. */
  onLost?: (key: string, error: Error) => void;
}

/**
 * The file system calls proper-lockfile makes (node:fs's, where it defaults to
 * graceful-fs, whose only addition, retrying EMFILE, concerns calls that open files),
 * but a lock whose fan-out folder is missing makes the folder and tries again. The
 * folder is made only then, not before every claim: a recursive mkdir of a folder
 * that exists is two system calls, and the library retries a failed mkdir forever.
 */
const lockFileSystem = {
  stat,
  rmdir,
  rmdirSync,
  utimes,
  realpath,
  mkdir(path: string, callback: (error: NodeJS.ErrnoException | null) => void): void {
    mkdir(path, (error) => {
      if (error?.code !== 'ENOENT') {
        callback(error);
        return;
      }
      mkdir(dirname(path), { recursive: true }, (parentError) => {
        if (parentError) callback(parentError);
        else mkdir(path, callback);
      });
    });
  },
};

export class DataDirClaims implements TargetClaims {
  readonly #folder: string;
  readonly #leaseMs: number;
  readonly #onLost: (key: string, error: Error) => void;
  /** Releases of the claims held now, so that close() can give them up. */
  readonly #held = new Set<() => Promise<void>>();
  #closed = false;

  constructor(options: DataDirClaimsOptions) {
    this.#folder = join(options.dataDir, 'claims');
    this.#leaseMs = Math.max(2_000, options.leaseMs ?? 10_000);
    this.#onLost = options.onLost ?? (() => undefined);
  }

  async acquire(key: string): Promise<() => Promise<void>> {
    if (this.#closed) throw new Error(`the claims are closed: ${key} was not claimed`);
    const path = this.#lockPathOf(key);
    const unlock = await lock(path, {
      lockfilePath: path,
      fs: lockFileSystem,
      // The lock is the only file: there is nothing to resolve, and it need not exist.
      realpath: false,
      stale: this.#leaseMs,
      update: this.#leaseMs / 2,
      retries: { forever: true, minTimeout: 25, maxTimeout: 500, factor: 2, randomize: true },
      onCompromised: (error) => this.#onLost(key, error),
    });
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      this.#held.delete(release);
      // A claim already lost (compromised) has nothing left to remove.
      await unlock().catch(() => undefined);
    };
    this.#held.add(release);
    if (this.#closed) {
      await release();
      throw new Error(`the claims are closed: ${key} was not claimed`);
    }
    return release;
  }

  /** Refuses new claims and gives up those held (a worker handing its jobs back as it stops). */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#held].map((release) => release()));
  }

  #lockPathOf(key: string): string {
    const hash = createHash('sha256').update(key).digest('hex');
    return join(this.#folder, hash.slice(0, 2), `${hash}.lock`);
  }
}
