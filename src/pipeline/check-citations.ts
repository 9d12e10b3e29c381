import type { ExtractedCitation } from '../extract/index.js';
import {
  linkTargetKey,
  postTargetKey,
  type Citation,
  type DocumentRecord,
  type TimedPostCheck,
} from '../model/index.js';
import type { Clock, Store } from '../ports.js';
import { buildCitation, findingsFor, postTargetOf } from '../record/build-citation.js';
import { linksToCheck, resolveCitations, type ResolvedCitation } from '../resolve/resolve-citations.js';
import { identifyUnknownPosts } from '../targets/identify-residue.js';
import type { Force, TargetChecker } from '../targets/target-checker.js';

/** What the pipeline needs from the outside world, passed in rather than reached for. */
export interface PipelinePorts {
  store: Store;
  /** Resolves and captures targets, reusing recent checks (targets/target-checker.ts). */
  checker: TargetChecker;
  clock: Clock;
  /** Citations checked at once within one document (default 8). */
  concurrency?: number;
}

const DEFAULT_CONCURRENCY = 8;

export interface CheckCitationsOptions {
  /**
   * A recheck run's planned time (ms since the epoch): a Wayback CDX lookup made since
   * then is reused by every document of the run, even past the refresh window, so a
   * run asks once a handle and printed date.
   */
  reuseLookupsSince?: number;
  /**
   * True for a recheck: a post with nothing to ask (no account, no link) gets a check
   * at this run's time. Otherwise its first check stands, so that archiving a document
   * again leaves the same citations.
   */
  rechecking?: boolean;
  /** Where this document's requests wait at a full host gate, lower first (HostGate.acquire): the order documents started in. */
  order?: number;
}

/**
 * The resolve and capture stages over a list of citations, merged with their previous
 * versions. `force` says which targets (by index key) must be asked again even when a
 * recent check of theirs could be reused. A post still without an id is looked up in
 * the Wayback CDX again (contract 6a), reusing a lookup made within the refresh window.
 */
export async function checkCitations(
  extracted: readonly ExtractedCitation[],
  previous: ReadonlyMap<string, Citation>,
  ports: PipelinePorts,
  force: (targetKey: string) => Force,
  options: CheckCitationsOptions = {},
): Promise<Citation[]> {
  const limit = concurrencyLimit(ports.concurrency ?? DEFAULT_CONCURRENCY);
  const postChecks = new Map<string, Promise<TimedPostCheck>>();
  const checkPost = (target: { id: string; handle?: string }): Promise<TimedPostCheck> => {
    let check = postChecks.get(target.id);
    if (check === undefined) {
      check = limit(() => ports.checker.checkPost(target, force(postTargetKey(target.id)), options.order));
      // Awaited below; marked handled now so a failure while links resolve is not "unhandled".
      check.catch(() => undefined);
      postChecks.set(target.id, check);
    }
    return check;
  };
  // Posts the article names by id are checked while the links resolve: both share the
  // document's request slots instead of running one stage after the other.
  for (const citation of extracted) {
    const target = postTargetOf(citation);
    if (target !== undefined) void checkPost(target);
  }
  const linkChecks = new Map(
    await Promise.all(
      linksToCheck(extracted).map(
        async (url) =>
          [url, await limit(() => ports.checker.checkLink(url, force(linkTargetKey(url)), options.order))] as const,
      ),
    ),
  );
  // Posts the article printed without a link to them are looked up in the Wayback CDX (6a).
  const { citations: resolved, unidentified } = await identifyUnknownPosts(resolveCitations(extracted, linkChecks), {
    lookupCdx: (target) =>
      limit(() =>
        ports.checker.lookupCdx(target, {
          ...(options.reuseLookupsSince === undefined ? {} : { reuseCheckedSince: options.reuseLookupsSince }),
          ...(options.order === undefined ? {} : { order: options.order }),
        }),
      ),
    checkPost,
    clock: ports.clock,
  });
  // A post identified only now carries on the history of the citation it was while unidentified.
  const previousOf = (citation: ResolvedCitation): Citation | undefined =>
    previous.get(citation.id) ?? (citation.formerId === undefined ? undefined : previous.get(citation.formerId));
  const now = ports.clock.now().toISOString();
  const findings = await Promise.all(
    resolved.map(async (citation) => {
      const target = postTargetOf(citation);
      const postCheck = target === undefined ? undefined : await checkPost(target);
      const lookedAt = options.rechecking === true ? now : (previousOf(citation)?.checks.at(-1)?.at ?? now);
      return findingsFor(citation, {
        siblings: resolved,
        postCheck,
        lookup: unidentified.get(citation.id),
        lookedAt,
      });
    }),
  );
  return resolved.map((citation, index) => buildCitation(citation, findings[index]!, previousOf(citation)));
}

/** Runs at most `max` of the tasks given to it at once, in the order given. */
export function concurrencyLimit(max: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

export function previousById(record: DocumentRecord | undefined): Map<string, Citation> {
  return new Map((record?.citations ?? []).map((citation) => [citation.id, citation]));
}
