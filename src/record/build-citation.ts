import type { ResolvedCitation } from '../resolve/resolve-citations.js';
import { quoteVerdict } from '../extract/quote-text.js';
import type { Unidentified } from '../targets/identify-residue.js';
import type {
  Capture,
  CapturedPost,
  Check,
  CheckError,
  Citation,
  Post,
  Status,
  TimedPostCheck,
} from '../model/index.js';

/** What the capture stage found for one resolved citation. */
export interface CitationFindings {
  status: Status;
  error?: CheckError;
  /** The check this finding comes from; none where nothing was asked (an embed with no link). */
  check?: Check;
  capture?: Capture;
  /** Post fields read from the capture; they win over what the article printed. */
  capturedPost?: CapturedPost;
  /** For a post that stays unidentified: what the Wayback lookup compared (contract 6a). */
  candidates?: { id: string; score: number }[];
}

/**
 * Builds a record citation from this run's findings and the same citation in the
 * record's previous version: checks accumulate (a check reused from the index is
 * not counted twice), and a good capture is kept when the target later dies, along
 * with the post fields read from it.
 */
export function buildCitation(
  resolved: ResolvedCitation,
  findings: CitationFindings,
  previous: Citation | undefined,
): Citation {
  const citation: Citation = {
    id: resolved.id,
    type: resolved.type,
    status: findings.status,
    occurrences: resolved.occurrences,
    checks: [],
  };
  if (resolved.parent !== undefined) citation.parent = resolved.parent;

  if (resolved.post !== undefined || findings.capturedPost !== undefined) {
    citation.post = mergePost(resolved.post, findings.capturedPost, previous?.post);
  }
  if (resolved.link !== undefined) citation.link = resolved.link;

  const capture = findings.capture ?? previous?.capture;
  if (capture !== undefined) citation.capture = capture;
  // An unidentified post's error says why the lookup found nothing (README, "Choices").
  if (findings.error !== undefined && ['dead', 'blocked', 'failed', 'unidentified'].includes(findings.status)) {
    citation.error = findings.error;
  }
  if (citation.post !== undefined) describePost(citation.post, findings);

  citation.checks = [...(previous?.checks ?? [])];
  const check = findings.check;
  if (
    check !== undefined &&
    !citation.checks.some((earlier) => earlier.at === check.at && earlier.status === check.status)
  ) {
    citation.checks.push(check);
    citation.checks.sort((a, b) => a.at.localeCompare(b.at));
  }
  return citation;
}

/**
 * What a post's record says beyond its capture: the candidates while it has no id
 * (contract 6a), and the quote check once both its printed and its captured text are
 * known (6b).
 */
function describePost(post: Post, findings: CitationFindings): void {
  if (post.id === undefined && findings.candidates !== undefined) post.candidates = findings.candidates;
  else if (post.id !== undefined) delete post.candidates;
  const printed = post.embed?.text;
  if (printed !== undefined && printed.trim() !== '' && post.text !== undefined && post.id !== undefined)
    post.quote = quoteVerdict(printed, post.text);
}

function mergePost(printed: Post | undefined, captured: CapturedPost | undefined, previous: Post | undefined): Post {
  const post: Post = { platform: 'twitter', media: [], links: [] };
  // Oldest knowledge first, newest last: the previous record, then the article, then this capture.
  for (const source of [previous, printed, captured]) {
    if (source === undefined) continue;
    for (const [key, value] of Object.entries(source) as [keyof Post, unknown][]) {
      if (value === undefined || key === 'platform') continue;
      if ((key === 'media' || key === 'links') && Array.isArray(value) && value.length === 0) continue;
      (post as unknown as Record<string, unknown>)[key] = value;
    }
  }
  // The article's own words are what it printed, whatever a capture says.
  if (printed?.embed !== undefined) post.embed = printed.embed;
  // A photo captured before keeps its capture when this check could not fetch it again.
  const earlierMedia = new Map((previous?.media ?? []).map((item) => [item.url, item.capture]));
  post.media = post.media.map((item) => {
    const earlier = earlierMedia.get(item.url);
    return item.capture === undefined && earlier !== undefined ? { ...item, capture: earlier } : item;
  });
  return post;
}

/** The post a citation names by id, as a target to check; undefined for a link or an embed without id. */
export function postTargetOf(citation: {
  type: string;
  post?: { id?: string; handle?: string };
}): { id: string; handle?: string } | undefined {
  const id = citation.post?.id;
  if (citation.type !== 'post' || id === undefined) return undefined;
  const handle = citation.post?.handle;
  return handle === undefined ? { id } : { id, handle };
}

/** Why an embed that names no account and holds no link stays unidentified (contract 6a needs a handle). */
export const NO_HANDLE_MESSAGE =
  'no-handle: the embed names no account (no "— Name (@handle) Date" trailer) and holds no link, so there is nothing to look its post up by';

/**
 * The folding rules: how the checks of a resolved citation become its findings. A
 * post known by id has its own check (`postCheck`, of `postTargetOf(citation)`); an
 * embed known only from the article takes the last look at the links inside it
 * (among `siblings`, the document's other citations); a link has its resolution's end.
 */
export function findingsFor(
  citation: ResolvedCitation,
  checks: {
    siblings: readonly ResolvedCitation[];
    postCheck?: TimedPostCheck | undefined;
    lookup?: Unidentified | undefined;
    /**
     * When this run looked at the citation, for a post with nothing to ask (no account
     * to look up, no link inside): that look is its check, since every citation has one.
     */
    lookedAt?: string | undefined;
  },
): CitationFindings {
  const check = checks.postCheck;
  if (postTargetOf(citation) !== undefined && check !== undefined) {
    const recordedCheck: Check = { at: check.checkedAt, status: check.status };
    if (check.httpStatus !== undefined) recordedCheck.httpStatus = check.httpStatus;
    if (check.error !== undefined) recordedCheck.error = check.error.code;
    const findings: CitationFindings = { status: check.status, check: recordedCheck, capturedPost: check.post };
    if (check.error !== undefined) findings.error = check.error;
    if (check.capture !== undefined) findings.capture = check.capture;
    return findings;
  }
  const lookup = checks.lookup;
  if (citation.type === 'post' && lookup !== undefined) {
    // Known only from the article, and looked up in vain: the lookup is its check, and says why.
    const check: Check = {
      at: lookup.checkedAt,
      status: 'unidentified',
      ...(lookup.error === undefined ? {} : { error: lookup.error.code }),
    };
    return {
      status: 'unidentified',
      check,
      error: { code: lookup.error?.code ?? 'BAD_RESPONSE', message: lookup.message },
      candidates: lookup.candidates,
    };
  }
  if (citation.type === 'post') {
    // Known only from the article, with no handle to look it up by: the last look at the links inside it is its check.
    const childChecks = checks.siblings
      .filter((other) => other.parent === citation.id && other.linkCheckedAt !== undefined)
      .map((other) => other.linkCheckedAt!);
    const latest = childChecks.sort().at(-1);
    if (latest !== undefined) return { status: 'unidentified', check: { at: latest, status: 'unidentified' } };
    if (checks.lookedAt === undefined) return { status: 'unidentified' };
    return {
      status: 'unidentified',
      check: { at: checks.lookedAt, status: 'unidentified' },
      error: { code: 'BAD_RESPONSE', message: NO_HANDLE_MESSAGE },
    };
  }
  const end = citation.linkEnd;
  const at = citation.linkCheckedAt;
  if (end === undefined || at === undefined)
    return { status: 'failed', error: { code: 'BAD_RESPONSE', message: 'the link was not resolved' } };
  const httpStatus = citation.link?.httpStatus;
  if (end.kind === 'page') {
    return {
      status: 'archived',
      capture: end.capture,
      check: { at, status: 'archived', ...(httpStatus === undefined ? {} : { httpStatus }) },
    };
  }
  if (end.kind === 'error') {
    return {
      status: end.status,
      error: end.error,
      check: { at, status: end.status, error: end.error.code, ...(httpStatus === undefined ? {} : { httpStatus }) },
    };
  }
  // A link that ended at a post has joined that post's citation during resolution.
  return {
    status: 'failed',
    error: { code: 'BAD_RESPONSE', message: `the link leads to post ${end.id} but was not joined to it` },
  };
}
