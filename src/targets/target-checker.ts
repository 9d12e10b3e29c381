import {
  cdxTargetKey,
  linkTargetKey,
  postTargetKey,
  type CdxLookup,
  type LinkCheck,
  type SnowflakeWindow,
  type TargetIndexEntry,
  type TargetOutcome,
  type TimedPostCheck,
} from '../model/index.js';
import type { Clock, ExchangeRecorder, Fetcher, TargetClaims, TargetIndex } from '../ports.js';
import { resolveLink } from '../resolve/resolve-link.js';
import { capturePost } from '../capture/capture-post.js';
import { linkCheckOf } from '../capture/capture-page.js';
import { lookupCdxPosts } from '../capture/cdx.js';
import type { CheckJournal, CheckPorts } from './check-journal.js';
import { isReusable } from './reuse.js';
import { forgetOldest } from '../forget-oldest.js';

export interface TargetCheckerOptions {
  fetcher: Fetcher;
  record: ExchangeRecorder;
  index: TargetIndex;
  /** CITESNAP_REFRESH_AFTER: a check younger than this is reused instead of asking again. */
  refreshAfterMs: number;
  /** CITESNAP_MAX_REDIRECTS. */
  maxRedirects: number;
  /** The non-browser User-Agent t.co gets. */
  shortLinkUserAgent: string;
  clock: Clock;
  /**
   * Claims a target across processes while it is being checked, so that two workers
   * never fetch the same target at once (the queue provides a Redis one). Without
   * it, only checks within this process are shared.
   */
  claims?: TargetClaims;
  /**
   * Notes each answer of a check as soon as it is in a WARC file, so that a check cut
   * short (a killed process) is taken up by replaying them rather than fetching and
   * storing them twice. Without it, such a check starts over.
   */
  journal?: CheckJournal;
}

/**
 * Targets whose newest entry a checker keeps in memory: more than one part of a recheck
 * run holds (100 documents of 3 citations each), a few megabytes at most.
 */
const SEEN_ENTRIES = 4_096;

/**
 * Whether a check may reuse the index: `false` reuses a check within the refresh window,
 * `true` always asks upstream, and `{ unlessCheckedSince }` asks unless the target was
 * checked at or after that time (ms since the epoch), by this process or another: what a
 * recheck run passes with the time it was planned, so that a target cited by documents
 * in several parts, or in a part taken over after its worker died, is asked once a run.
 */
export type Force = boolean | { unlessCheckedSince: number };

/** What the pipeline asks of a target checker (TargetChecker, or a test's). */
export interface CheckTargets {
  /** `order`: where the check's requests wait at a full host gate, lower first (HostGate.acquire). */
  checkLink(url: string, force?: Force, order?: number): Promise<LinkCheck>;
  checkPost(target: { id: string; handle?: string }, force?: Force, order?: number): Promise<TimedPostCheck>;
}

/**
 * Checks targets (cited links and posts) once: a target checked within the refresh
 * window, by this process or another sharing the data dir, is reused without a new
 * upstream request; two citations of one target in flight at once share one check.
 * Checks that got no answer are not reused, so the next run retries them.
 */
export class TargetChecker implements CheckTargets {
  private readonly inFlight = new Map<string, Promise<TargetOutcome>>();
  /**
   * The newest entry this process has read or written of each recent target. A recheck
   * run asks "checked since the run was planned?" once for every document citing a
   * target (hundreds for a popular post); an entry seen here that answers yes still
   * does, whatever another process wrote since, so only the first of them reads the
   * index. The plain refresh-window reuse still reads the index every time.
   */
  private readonly seen = new Map<string, TargetIndexEntry>();

  constructor(private readonly options: TargetCheckerOptions) {}

  async checkLink(url: string, force: Force = false, order?: number): Promise<LinkCheck> {
    const outcome = await this.check(linkTargetKey(url), { force, order }, async ({ fetcher, record }) => {
      const checkedAt = this.options.clock.now().toISOString();
      const resolution = await resolveLink(url, {
        fetcher,
        record,
        maxRedirects: this.options.maxRedirects,
        shortLinkUserAgent: this.options.shortLinkUserAgent,
      });
      return { kind: 'link', check: linkCheckOf(resolution, checkedAt) };
    });
    if (outcome.kind !== 'link') throw new Error(`index entry link:${url} holds a ${outcome.kind}`);
    return outcome.check;
  }

  async checkPost(
    target: { id: string; handle?: string },
    force: Force = false,
    order?: number,
  ): Promise<TimedPostCheck> {
    const outcome = await this.check(postTargetKey(target.id), { force, order }, async ({ fetcher, record }) => {
      const checkedAt = this.options.clock.now().toISOString();
      const check = await capturePost(target, { fetcher, record });
      return { kind: 'post', check: { ...check, checkedAt } };
    });
    if (outcome.kind !== 'post') throw new Error(`index entry post:${target.id} holds a ${outcome.kind}`);
    return outcome.check;
  }

  /**
   * The Wayback CDX lookup of an account's posts around one printed date (contract 6a),
   * kept in the index like a target: one lookup serves every citation, document, run and
   * worker within the refresh window, and the claim keeps two workers from both asking.
   * A recheck run passes `reuseCheckedSince`, the time it was planned: a lookup made
   * since then serves the rest of the run too, however short the refresh window.
   */
  async lookupCdx(
    target: { handle: string; date: string; window: SnowflakeWindow },
    options: { reuseCheckedSince?: number; order?: number } = {},
  ): Promise<CdxLookup> {
    const key = cdxTargetKey(target.handle, target.date);
    const fresh = async ({ fetcher, record }: CheckPorts): Promise<TargetOutcome> => ({
      kind: 'cdx',
      check: await lookupCdxPosts(target, { fetcher, record, clock: this.options.clock }),
    });
    const outcome = await this.check(key, { force: false, order: options.order }, fresh, options.reuseCheckedSince);
    if (outcome.kind !== 'cdx') throw new Error(`index entry ${key} holds a ${outcome.kind}`);
    return outcome.check;
  }

  /**
   * `reuseCheckedSince` (with `force` false): an entry made at or after it is reused even
   * past the refresh window. `order` goes with every request of a fresh check; a check
   * joined by a later document keeps the order of the one that started it.
   */
  private async check(
    key: string,
    { force, order }: { force: Force; order: number | undefined },
    fresh: (ports: CheckPorts) => Promise<TargetOutcome>,
    reuseCheckedSince?: number,
  ): Promise<TargetOutcome> {
    // A forced check must ask upstream: it does not join a plain one that may reuse the index.
    const flightKey =
      force === false ? key : force === true ? `${key} (forced)` : `${key} (since ${force.unlessCheckedSince})`;
    const running = this.inFlight.get(flightKey);
    if (running) return running;
    const work = (async () => {
      const since = force === false ? reuseCheckedSince : force === true ? undefined : force.unlessCheckedSince;
      const seen = this.seen.get(key);
      if (since !== undefined && seen !== undefined && Date.parse(seen.checkedAt) >= since) return seen.outcome;
      // One read of the index serves both the reuse decision and the journal's (a check
      // reads it again only after waiting for a claim, when another process may have written it).
      let stored = force === true ? undefined : await this.readIndex(key);
      if (force !== true && this.isReusable(stored, force, reuseCheckedSince)) return stored.outcome;
      const release = await this.options.claims?.acquire(key);
      try {
        if (release !== undefined && force !== true) {
          // Another process may have checked it while this one waited for the claim.
          stored = await this.readIndex(key);
          if (this.isReusable(stored, force, reuseCheckedSince)) return stored.outcome;
        }
        const { fetcher } = this.options;
        const ports: CheckPorts = {
          fetcher: order === undefined ? fetcher : { fetch: (url, init) => fetcher.fetch(url, { ...init, order }) },
          record: this.options.record,
        };
        const journal = await this.beginJournal(key, force, stored?.checkedAt);
        const outcome = await fresh(journal === undefined ? ports : journal.ports(ports));
        const entry = { key, checkedAt: outcome.check.checkedAt, outcome };
        await this.options.index.put(entry);
        this.remember(entry);
        await journal?.end();
        return outcome;
      } finally {
        await release?.();
      }
    })();
    this.inFlight.set(flightKey, work);
    try {
      return await work;
    } finally {
      this.inFlight.delete(flightKey);
    }
  }

  private async readIndex(key: string): Promise<TargetIndexEntry | undefined> {
    const entry = await this.options.index.get(key);
    if (entry !== undefined) this.remember(entry);
    return entry;
  }

  /** Keeps the newest entry of `key`, and at most SEEN_ENTRIES targets (the least recently seen go first). */
  private remember(entry: TargetIndexEntry): void {
    const known = this.seen.get(entry.key);
    if (known !== undefined && Date.parse(known.checkedAt) > Date.parse(entry.checkedAt)) return;
    this.seen.delete(entry.key);
    this.seen.set(entry.key, entry);
    forgetOldest(this.seen, SEEN_ENTRIES);
  }

  /** `outcomeCheckedAt`: when the index's entry for `key` was checked, as read just before (matters only to a plain check, the one that may replay). */
  private async beginJournal(key: string, force: Force, outcomeCheckedAt: string | undefined) {
    const { journal } = this.options;
    if (journal === undefined) return undefined;
    const now = this.options.clock.now();
    return journal.begin(key, {
      startedAt: now.toISOString(),
      outcomeCheckedAt,
      replaySince: now.getTime() - this.options.refreshAfterMs,
      // Only a plain check may replay what a killed process stored: a forced one, or a run's, wants an answer from now.
      replay: force === false,
    });
  }

  private isReusable(
    entry: TargetIndexEntry | undefined,
    force: false | { unlessCheckedSince: number },
    reuseCheckedSince?: number,
  ): entry is TargetIndexEntry {
    if (!entry) return false;
    // Checked since the run began: whatever it found is this run's answer (a failure too, or a rerun would hammer).
    const since = force === false ? reuseCheckedSince : force.unlessCheckedSince;
    if (since !== undefined && Date.parse(entry.checkedAt) >= since) return true;
    if (force !== false) return false;
    return isReusable(entry, { now: this.options.clock.now(), refreshAfterMs: this.options.refreshAfterMs });
  }
}
