import { linkTargetKey, postTargetKey, type LinkCheck, type TargetIndexEntry, type TargetOutcome, type TimedPostCheck } from '../model/index.js';
import type { Clock, ExchangeRecorder, Fetcher, TargetClaims, TargetIndex } from '../ports.js';
import { resolveLink } from '../resolve/resolve-link.js';
import { capturePost } from '../capture/capture-post.js';
import { linkCheckOf } from '../capture/capture-page.js';
import type { CheckJournal, CheckPorts } from './check-journal.js';
import { isReusable } from './reuse.js';

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
 * Checks targets (cited links and posts) once: a target checked within the refresh
 * window, by this process or another sharing the data dir, is reused without a new
 * upstream request; two citations of one target in flight at once share one check.
 * Checks that got no answer are not reused, so the next run retries them.
 */
export class TargetChecker {
  private readonly inFlight = new Map<string, Promise<TargetOutcome>>();

  constructor(private readonly options: TargetCheckerOptions) {}

  async checkLink(url: string, force = false): Promise<LinkCheck> {
    const outcome = await this.check(linkTargetKey(url), force, async ({ fetcher, record }) => {
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

  async checkPost(target: { id: string; handle?: string }, force = false): Promise<TimedPostCheck> {
    const outcome = await this.check(postTargetKey(target.id), force, async ({ fetcher, record }) => {
      const checkedAt = this.options.clock.now().toISOString();
      const check = await capturePost(target, { fetcher, record });
      return { kind: 'post', check: { ...check, checkedAt } };
    });
    if (outcome.kind !== 'post') throw new Error(`index entry post:${target.id} holds a ${outcome.kind}`);
    return outcome.check;
  }

  private async check(key: string, force: boolean, fresh: (ports: CheckPorts) => Promise<TargetOutcome>): Promise<TargetOutcome> {
    // A forced check must ask upstream: it does not join a plain one that may reuse the index.
    const flightKey = force ? `${key} (forced)` : key;
    const running = this.inFlight.get(flightKey);
    if (running) return running;
    const work = (async () => {
      if (!force) {
        const reusable = await this.reusable(key);
        if (reusable) return reusable.outcome;
      }
      const release = await this.options.claims?.acquire(key);
      try {
        // Another process may have checked it while this one waited for the claim.
        const reusable = release === undefined || force ? undefined : await this.reusable(key);
        if (reusable) return reusable.outcome;
        const ports: CheckPorts = { fetcher: this.options.fetcher, record: this.options.record };
        const journal = await this.beginJournal(key, force);
        const outcome = await fresh(journal === undefined ? ports : journal.ports(ports));
        await this.options.index.put({ key, checkedAt: outcome.check.checkedAt, outcome });
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

  private async beginJournal(key: string, force: boolean) {
    const { journal } = this.options;
    if (journal === undefined) return undefined;
    const now = this.options.clock.now();
    return journal.begin(key, {
      startedAt: now.toISOString(),
      outcomeCheckedAt: (await this.options.index.get(key))?.checkedAt,
      replaySince: now.getTime() - this.options.refreshAfterMs,
      replay: !force,
    });
  }

  private async reusable(key: string): Promise<TargetIndexEntry | undefined> {
    const entry = await this.options.index.get(key);
    if (!entry) return undefined;
    return isReusable(entry, { now: this.options.clock.now(), refreshAfterMs: this.options.refreshAfterMs }) ? entry : undefined;
  }
}
