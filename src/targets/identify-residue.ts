// Contract 6a: which post an embed or residue without an id printed, looked up in the
// Wayback Machine's CDX among the account's posts of the printed day.
import { CLOSE_SIMILARITY, roundScore, textSimilarity } from '../extract/quote-text.js';
import {
  distanceFromMiddle,
  snowflakeWindow,
  type CdxLookup,
  type ErrorCode,
  type Post,
  type SnowflakeWindow,
  type TimedPostCheck,
} from '../model/index.js';
import type { Clock } from '../ports.js';
import { assignPostId, type ResolvedCitation } from '../resolve/resolve-citations.js';

/** Candidates compared at most, nearest the printed date first. */
export const MAX_CANDIDATES = 25;
/** How far ahead of the next candidate the best one must be to be taken by its text. */
export const MIN_LEAD = 0.1;

/** A post known only from what the article printed. */
export interface PrintedPost {
  handle: string;
  /** YYYY-MM-DD, where the printed date could be read. */
  date?: string;
  text?: string;
  /** The t.co codes printed in it, as `t.co/<code>` or `pic.twitter.com/<code>`. */
  shortCodes: readonly string[];
}

export interface IdentifyPorts {
  /** The CDX lookup for one handle and printed date, shared through the index. */
  lookupCdx(target: { handle: string; date: string; window: SnowflakeWindow }): Promise<CdxLookup>;
  /** A post's check, shared with the same post checked as a target. */
  checkPost(target: { id: string; handle?: string }): Promise<TimedPostCheck>;
  clock: Clock;
}

/** Why a lookup found no post; the first word of the citation's error message. */
export type UnidentifiedReason =
  | 'no-date'
  | 'before-snowflake'
  | 'cdx-failed'
  | 'no-cdx-rows'
  | 'no-candidate-in-window'
  | 'none-close-enough'
  | 'too-close-to-call';

export type Identification =
  | { kind: 'identified'; id: string; handle: string; by: 'link' | 'text'; score: number; checkedAt: string }
  | Unidentified;

export interface Unidentified {
  kind: 'unidentified';
  reason: UnidentifiedReason;
  /** The reason, then what was looked at. */
  message: string;
  candidates: { id: string; score: number }[];
  checkedAt: string;
  /** The request error that stopped the lookup (cdx-failed), for the check. */
  error?: { code: ErrorCode; message: string };
}

/** Candidates checked at once: the nearest few first, so a printed t.co code often ends the lookup early. */
const CANDIDATE_BATCH = 5;

/**
 * Looks a printed post up (contract 6a): the CDX rows of its account whose id lies in the
 * printed date widened by 14 hours on each side; then each candidate, nearest the date
 * first, at most MAX_CANDIDATES, from its post check (syndication or oEmbed while it is
 * public, else its Wayback copy). A t.co code printed in the article among a candidate's
 * links decides; otherwise the text does, when the best candidate scores at least
 * CLOSE_SIMILARITY and at least MIN_LEAD above the next.
 */
export async function identifyPrintedPost(printed: PrintedPost, ports: IdentifyPorts): Promise<Identification> {
  const window = snowflakeWindow(printed.date);
  if (window === 'no-date' || window === 'before-snowflake') {
    const message =
      window === 'no-date'
        ? 'no-date: the printed date could not be read, so there is no day to look the post up by'
        : `before-snowflake: ${printed.date ?? ''} is before 2010-11-04, when post ids began to carry their time`;
    return {
      kind: 'unidentified',
      reason: window,
      message,
      candidates: [],
      checkedAt: ports.clock.now().toISOString(),
    };
  }
  const date = printed.date ?? '';
  const lookup = await ports.lookupCdx({ handle: printed.handle, date, window });
  const unidentified = (
    reason: UnidentifiedReason,
    detail: string,
    candidates: { id: string; score: number }[] = [],
  ): Unidentified => ({
    kind: 'unidentified',
    reason,
    message: `${reason}: ${detail}`,
    candidates,
    checkedAt: lookup.checkedAt,
  });
  if (lookup.error !== undefined) return { ...unidentified('cdx-failed', lookup.error.message), error: lookup.error };
  if (lookup.rows === 0)
    return unidentified('no-cdx-rows', `the Wayback CDX lists no post of @${printed.handle} around ${date}`);
  if (lookup.posts.length === 0) {
    return unidentified(
      'no-candidate-in-window',
      `none of the ${lookup.rows} posts of @${printed.handle} the Wayback CDX lists was posted within 14 hours of ${date}`,
    );
  }

  const candidates = [...lookup.posts]
    .sort((a, b) => distanceFromMiddle(a.id, window) - distanceFromMiddle(b.id, window) || a.id.localeCompare(b.id))
    .slice(0, MAX_CANDIDATES);
  const codes = new Set(printed.shortCodes);
  const scored: { id: string; handle: string; score: number; decisive: boolean; checkedAt: string }[] = [];
  for (let start = 0; start < candidates.length; start += CANDIDATE_BATCH) {
    const batch = candidates.slice(start, start + CANDIDATE_BATCH);
    const checks = await Promise.all(
      batch.map((candidate) => ports.checkPost({ id: candidate.id, handle: candidate.handle ?? printed.handle })),
    );
    for (const [index, check] of checks.entries()) {
      const id = batch[index]?.id ?? '';
      const decisive = codes.size > 0 && shortCodesOf(check.post).some((code) => codes.has(code));
      const score = roundScore(printed.text && check.post.text ? textSimilarity(printed.text, check.post.text) : 0);
      const handle = check.post.handle ?? batch[index]?.handle ?? printed.handle;
      scored.push({ id, handle, score, decisive, checkedAt: check.checkedAt });
      // A printed t.co code is the post's own: no other candidate can beat it.
      if (decisive) return { kind: 'identified', id, handle, by: 'link', score, checkedAt: lookup.checkedAt };
    }
  }

  const ranked = [...scored].sort((a, b) => b.score - a.score);
  const [best, next] = ranked;
  const list = scored.map(({ id, score }) => ({ id, score }));
  if (best === undefined || best.score < CLOSE_SIMILARITY) {
    return unidentified(
      'none-close-enough',
      `the closest of ${scored.length} candidates scores ${best?.score ?? 0}, under ${CLOSE_SIMILARITY}`,
      list,
    );
  }
  if (next !== undefined && best.score - next.score < MIN_LEAD) {
    return unidentified(
      'too-close-to-call',
      `${best.id} scores ${best.score} and ${next.id} ${next.score}, less than ${MIN_LEAD} apart`,
      list,
    );
  }
  return {
    kind: 'identified',
    id: best.id,
    handle: best.handle,
    by: 'text',
    score: best.score,
    checkedAt: lookup.checkedAt,
  };
}

/** The t.co codes of a post: in its links and in its text, where X keeps the media link too. */
function shortCodesOf(post: Pick<Post, 'links' | 'text'>): string[] {
  const urls = [...post.links.map((link) => link.url), ...(post.text?.match(/\bt\.co\/\w+/g) ?? [])];
  return urls.flatMap((url) => /\bt\.co\/(\w+)/.exec(url)?.[1] ?? []);
}

/**
 * The lookup stage over a document's resolved citations: every post still without an
 * id once its own links are resolved, whose printed trailer names a handle, is looked
 * up; one found becomes a citation of that post (`identifiedBy: 'wayback-cdx'`), joining
 * the document's citation of it where there is one. What stays unidentified is returned
 * by citation id, for its check, candidates and reason.
 */
export async function identifyUnknownPosts(
  resolved: readonly ResolvedCitation[],
  ports: IdentifyPorts,
): Promise<{ citations: ResolvedCitation[]; unidentified: Map<string, Unidentified> }> {
  const unknown = resolved.filter(
    (citation) =>
      citation.type === 'post' && citation.post?.id === undefined && printedHandleOf(citation) !== undefined,
  );
  const outcomes = await Promise.all(
    unknown.map(async (citation) => {
      const embed = citation.post?.embed;
      const shortCodes = resolved
        .filter((link) => link.parent === citation.id && link.type === 'link')
        .flatMap((link) => /^https?:\/\/t\.co\/(\w+)$/.exec(link.link?.url ?? '')?.[1] ?? []);
      const printed: PrintedPost = { handle: printedHandleOf(citation) ?? '', shortCodes };
      if (embed?.date !== undefined) printed.date = embed.date;
      if (embed?.text !== undefined) printed.text = embed.text;
      return { citation, identification: await identifyPrintedPost(printed, ports) };
    }),
  );
  let citations = [...resolved];
  const unidentified = new Map<string, Unidentified>();
  for (const { citation, identification } of outcomes) {
    if (identification.kind === 'unidentified') unidentified.set(citation.id, identification);
    else
      citations = assignPostId(citations, citation.id, {
        id: identification.id,
        handle: identification.handle,
        identifiedBy: 'wayback-cdx',
      });
  }
  return { citations, unidentified };
}

function printedHandleOf(citation: ResolvedCitation): string | undefined {
  return citation.post?.embed?.handle ?? citation.post?.handle;
}
