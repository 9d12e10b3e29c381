import type { IndexEntry } from '../record/target-index.js';
import type { ErrorCode } from '../record/types.js';
import type { ExchangeRecorder, Fetcher, LinkCheck } from '../resolve/ports.js';
import { resolveLink } from '../resolve/resolve-link.js';
import { capturePost, type PostCheck } from './capture-post.js';
import { linkCheckOf } from './capture-page.js';

/** A post check with the time it was made. */
export type TimedPostCheck = PostCheck & { checkedAt: string };

/** What the index keeps of a target: the newest check, whole. */
export type TargetOutcome = { kind: 'link'; check: LinkCheck } | { kind: 'post'; check: TimedPostCheck };

export interface TargetCheckerOptions {
  fetcher: Fetcher;
  record: ExchangeRecorder;
  /** The target index: each target's newest check (in the data dir, record/index-database.ts). */
  index: TargetOutcomeIndex;
  /** CITESNAP_REFRESH_AFTER: a check younger than this is reused instead of asking again. */
  refreshAfterMs: number;
  /** CITESNAP_MAX_REDIRECTS. */
  maxRedirects: number;
  /** The non-browser User-Agent t.co gets. */
  shortLinkUserAgent: string;
  now: () => Date;
  /**
   * Claims a target across processes while it is being checked, so that two workers
   * never fetch the same target at once (the queue provides a Redis one). Without
   * it, only checks within this process are shared.
   */
  claims?: TargetClaims;
}

/** Where the newest check of each target is kept, for reuse across documents, runs and processes. */
export interface TargetOutcomeIndex {
  get(key: string): Promise<IndexEntry<TargetOutcome> | undefined>;
  put(entry: IndexEntry<TargetOutcome>): Promise<void>;
}

/**
 * Whether a check may reuse the index: `false` reuses a check within the refresh window,
 * `true` always asks upstream, and `{ unlessCheckedSince }` asks unless the target was
 * checked at or after that time (ms since the epoch), by this process or another: what a
 * recheck run passes with the time it was planned, so that a target cited by documents
 * in several parts, or in a part taken over after its worker died, is asked once a run.
 */
export type Force = boolean | { unlessCheckedSince: number };

/** What the pipeline asks of a target checker (TargetChecker, or a recheck run's view of it). */
export interface CheckTargets {
  checkLink(url: string, force?: Force): Promise<LinkCheck>;
  checkPost(target: { id: string; handle?: string }, force?: Force): Promise<TimedPostCheck>;
}

export interface TargetClaims {
  /** Waits until this process holds the claim on `key`; resolves to its release. */
  acquire(key: string): Promise<() => Promise<void>>;
}

/**
 * Checks targets (cited links and posts) once: a target checked within the refresh
 * window, by this process or another sharing the data dir, is reused without a new
 * upstream request; two citations of one target in flight at once share one check.
 * Checks that got no answer are not reused, so the next run retries them.
 */
export class TargetChecker implements CheckTargets {
  private readonly inFlight = new Map<string, Promise<TargetOutcome>>();

  constructor(private readonly options: TargetCheckerOptions) {}

  async checkLink(url: string, force: Force = false): Promise<LinkCheck> {
    const outcome = await this.check(`link:${url}`, force, async () => {
      const checkedAt = this.options.now().toISOString();
      const resolution = await resolveLink(url, {
        fetcher: this.options.fetcher,
        record: this.options.record,
        maxRedirects: this.options.maxRedirects,
        shortLinkUserAgent: this.options.shortLinkUserAgent,
      });
      return { kind: 'link', check: linkCheckOf(resolution, checkedAt) };
    });
    if (outcome.kind !== 'link') throw new Error(`index entry link:${url} holds a ${outcome.kind}`);
    return outcome.check;
  }

  async checkPost(target: { id: string; handle?: string }, force: Force = false): Promise<TimedPostCheck> {
    const outcome = await this.check(`post:${target.id}`, force, async () => {
      const checkedAt = this.options.now().toISOString();
      const check = await capturePost(target, { fetcher: this.options.fetcher, record: this.options.record });
      return { kind: 'post', check: { ...check, checkedAt } };
    });
    if (outcome.kind !== 'post') throw new Error(`index entry post:${target.id} holds a ${outcome.kind}`);
    return outcome.check;
  }

  private async check(key: string, force: Force, fresh: () => Promise<TargetOutcome>): Promise<TargetOutcome> {
    // A forced check must ask upstream: it does not join a plain one that may reuse the index.
    const flightKey = force === false ? key : force === true ? `${key} (forced)` : `${key} (since ${force.unlessCheckedSince})`;
    const running = this.inFlight.get(flightKey);
    if (running) return running;
    const work = (async () => {
      const before = force === true ? undefined : await this.reusable(key, force);
      if (before) return before.outcome;
      const release = await this.options.claims?.acquire(key);
      try {
        // Another process may have checked it while this one waited for the claim.
        const reusable = release === undefined || force === true ? undefined : await this.reusable(key, force);
        if (reusable) return reusable.outcome;
        const outcome = await fresh();
        await this.options.index.put({ key, checkedAt: checkedAtOf(outcome), outcome });
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

  private async reusable(key: string, force: false | { unlessCheckedSince: number }): Promise<IndexEntry<TargetOutcome> | undefined> {
    const entry = await this.options.index.get(key);
    if (!entry) return undefined;
    // Checked since the run began: whatever it found is this run's answer (a failure too, or a rerun would hammer).
    if (force !== false) return Date.parse(entry.checkedAt) >= force.unlessCheckedSince ? entry : undefined;
    const age = this.options.now().getTime() - Date.parse(entry.checkedAt);
    if (!(age >= 0 && age < this.options.refreshAfterMs)) return undefined;
    return isReusable(entry.outcome) ? entry : undefined;
  }
}

function checkedAtOf(outcome: TargetOutcome): string {
  return outcome.check.checkedAt;
}

/**
 * A check is worth reusing when an upstream answered it. A failure, or a link whose
 * last request got no answer at all (a name that did not resolve, a timeout), may be
 * the network here rather than the target: the next run asks again.
 */
function isReusable(outcome: TargetOutcome): boolean {
  if (outcome.kind === 'post') return outcome.check.status !== 'failed';
  const { end } = outcome.check;
  if (end.kind !== 'error') return true;
  return end.status !== 'failed' && !NO_ANSWER_CODES.has(end.error.code);
}

const NO_ANSWER_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['DNS', 'TIMEOUT', 'CONNECTION', 'TLS']);
