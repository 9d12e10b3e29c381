import { createHash, randomUUID } from 'node:crypto';
import { link, lstat, mkdir, readdir, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { errnoCode } from '../errors.js';
import type { TargetClaims } from '../ports.js';

/**
 * Claims on targets as hard links in the data dir, so that every process sharing it
 * (two `citesnap archive` runs, a run and a worker) checks a target once and the others
 * reuse that check (contract section 8), with no Redis at all.
 *
 * Each process holding claims has a holder file of its own, `claims/holders/<host>-<pid>-<uuid>`,
 * whose mtime it touches every quarter of `leaseMs`. A claim on a key is a hard link to
 * that file at `claims/<2 hex>/<sha256 of the key>`: link(2) fails when the name exists,
 * so only one process makes it, on a local file system and on NFS alike (the classic
 * NFS lock), and stat(2) of the claim gives its holder's mtime. A claim whose holder
 * has not touched it for `leaseMs` (the process died: SIGKILL, a lost machine) is
 * stale, and the next taker removes it and links its own. Releasing removes the link
 * when it is still this holder's (same inode).
 *
 * Why not proper-lockfile, which the first release used (a folder made by mkdir a
 * claim, touched by its holder): every claim then creates and deletes an inode, and on
 * ext4 an inode deleted in the last minutes makes every later file creation slower
 * (the allocator skips it, reading its deletion time): in bench:capture at 64 requests
 * in flight, claims alone deleted about 700 inodes a second. A link and an unlink of a
 * name allocate and free no inode, and one touch renews every claim a process holds.
 *
 * Losing a claim (a holder stalled past `leaseMs`, two takers of one stale claim at the
 * same instant) costs at most one target checked twice, never a record: a target file
 * two holders wrote at once reads as a miss, and WARC files are each process's own.
 */
export interface DataDirClaimsOptions {
  dataDir: string;
  /** How long a claim lasts without its holder touching it, i.e. after the holder died. Default 10000 ms, at least 2000. */
  leaseMs?: number;
}

interface Holder {
  path: string;
  inode: number;
}

/** Waiters try again with a growing, randomized interval, as proper-lockfile's did. */
const FIRST_RETRY_MS = 25;
const LAST_RETRY_MS = 500;

export class DataDirClaims implements TargetClaims {
  readonly #folder: string;
  readonly #leaseMs: number;
  /** The releases of the claims held now, by key. */
  readonly #held = new Map<string, () => Promise<void>>();
  /** This process's holder file, made at its first claim; `inode` is what its claims link to. */
  #holder: Promise<Holder> | undefined;
  #touching: NodeJS.Timeout | undefined;
  #touchedAt = 0;
  /** Since when no two touches were more than half a lease apart: a claim made since then was never stale. */
  #freshSince = 0;
  #closed = false;

  constructor(options: DataDirClaimsOptions) {
    this.#folder = join(options.dataDir, 'claims');
    this.#leaseMs = Math.max(2_000, options.leaseMs ?? 10_000);
  }

  async acquire(key: string): Promise<() => Promise<void>> {
    this.#refuseIfClosed(key);
    const holder = await (this.#holder ??= this.#makeHolder());
    const path = this.#claimPathOf(key);
    let retryMs = FIRST_RETRY_MS;
    for (;;) {
      this.#refuseIfClosed(key);
      await this.#keepFresh(holder);
      if (await this.#tryLink(holder.path, path)) break;
      if (await this.#removeIfStale(path)) continue;
      await sleep(retryMs * (0.5 + Math.random()));
      retryMs = Math.min(LAST_RETRY_MS, retryMs * 2);
    }
    const inode = holder.inode;
    const linkedAt = Date.now();
    const release = async () => {
      if (this.#held.get(key) !== release) return;
      this.#held.delete(key);
      // A claim lost to another taker is theirs now: remove only this holder's link. One
      // whose holder was touched all along was never stale, so no one else took it.
      const neverStale = linkedAt >= this.#freshSince && Date.now() - this.#touchedAt <= this.#leaseMs / 2;
      if (!neverStale && (await lstat(path).catch(() => undefined))?.ino !== inode) return;
      await unlink(path).catch(() => undefined);
    };
    this.#held.set(key, release);
    if (this.#closed) {
      await release();
      this.#refuseIfClosed(key);
    }
    return release;
  }

  /** Refuses new claims and gives up those held (a worker handing its jobs back as it stops). */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#held.values()].map((release) => release()));
    clearInterval(this.#touching);
    const holder = await this.#holder?.catch(() => undefined);
    if (holder !== undefined) await unlink(holder.path).catch(() => undefined);
  }

  #refuseIfClosed(key: string): void {
    if (this.#closed) throw new Error(`the claims are closed: ${key} was not claimed`);
  }

  async #makeHolder(): Promise<Holder> {
    const folder = join(this.#folder, 'holders');
    await mkdir(folder, { recursive: true });
    await this.#removeDeadHolders(folder);
    const holder = { path: join(folder, `${hostname()}-${process.pid}-${randomUUID()}`), inode: 0 };
    await this.#writeHolder(holder);
    // Touched as long as the claims are open, held or not, so that its name is never taken for a dead process's.
    this.#touching = setInterval(() => {
      this.#touch(holder).catch(() => undefined);
    }, this.#leaseMs / 4);
    // Claims never keep a process alive; one that exits leaves them to go stale.
    this.#touching.unref();
    return holder;
  }

  async #writeHolder(holder: Holder): Promise<void> {
    await writeFile(holder.path, `${JSON.stringify({ host: hostname(), pid: process.pid })}\n`);
    holder.inode = (await stat(holder.path)).ino;
    this.#touchedAt = Date.now();
    this.#freshSince = this.#touchedAt;
  }

  /**
   * Holder files of processes that died: their claims are stale already, and remain
   * readable as such through their own links, so the holders' names can go.
   */
  async #removeDeadHolders(folder: string): Promise<void> {
    const longDead = Date.now() - 10 * this.#leaseMs;
    for (const name of await readdir(folder)) {
      const path = join(folder, name);
      const info = await stat(path).catch(() => undefined);
      if (info !== undefined && info.mtimeMs < longDead) await unlink(path).catch(() => undefined);
    }
  }

  /** True when the claim is made; false when another holds it. */
  async #tryLink(holderPath: string, path: string): Promise<boolean> {
    try {
      await link(holderPath, path);
      return true;
    } catch (error) {
      if (errnoCode(error) === 'EEXIST') return false;
      if (errnoCode(error) !== 'ENOENT') throw error;
    }
    // The fan-out folder is made only when missing, not before every claim.
    await mkdir(dirname(path), { recursive: true });
    return this.#tryLink(holderPath, path);
  }

  /** Removes the claim at `path` when its holder has not touched it within the lease; true when it is gone. */
  async #removeIfStale(path: string): Promise<boolean> {
    const info = await stat(path).catch((error: unknown) => {
      if (errnoCode(error) === 'ENOENT') return undefined;
      throw error;
    });
    if (info === undefined) return true;
    if (Date.now() - info.mtimeMs <= this.#leaseMs) return false;
    // Only the claim judged stale: one linked again since is another's fresh claim.
    const again = await lstat(path).catch(() => undefined);
    if (again?.ino === info.ino) await unlink(path).catch(() => undefined);
    return true;
  }

  /** A claim linked after the event loop stalled must not look stale: touch the holder first when its last touch is old. */
  async #keepFresh(holder: Holder): Promise<void> {
    if (Date.now() - this.#touchedAt < this.#leaseMs / 2) return;
    await this.#touch(holder);
  }

  /**
   * Renews every claim this process holds. A holder file removed as dead (the process
   * was stopped for ten leases) is made again: the claims linked to the old one are
   * stale, and their releases leave whatever another taker linked since.
   */
  async #touch(holder: Holder): Promise<void> {
    const now = new Date();
    try {
      await utimes(holder.path, now, now);
      if (now.getTime() - this.#touchedAt > this.#leaseMs / 2) this.#freshSince = now.getTime();
      this.#touchedAt = now.getTime();
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') throw error;
      await this.#writeHolder(holder);
    }
  }

  #claimPathOf(key: string): string {
    const hash = createHash('sha256').update(key).digest('hex');
    return join(this.#folder, hash.slice(0, 2), hash);
  }
}
