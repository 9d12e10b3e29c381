import type { ResolvedCitation } from '../resolve/resolve-citations.js';
import { quoteVerdict } from '../extract/quote-text.js';
import type { Capture, Check, Citation, ErrorCode, Post, Status } from './types.js';

/** What the capture stage found for one resolved citation. */
export interface CitationFindings {
  status: Status;
  error?: { code: ErrorCode; message: string };
  /** The check this finding comes from; none where nothing was asked (an embed with no link). */
  check?: Check;
  capture?: Capture;
  /** Post fields read from the capture; they win over what the article printed. */
  capturedPost?: Omit<Post, 'platform' | 'embed'>;
  /** For a post that stays unidentified: what the Wayback lookup compared (contract 6a). */
  candidates?: { id: string; score: number }[];
}

/**
 * Builds a record citation from this run's findings and the same citation in the
 * record's previous version: checks accumulate (a check reused from the index is
 * not counted twice), and a good capture is kept when the target later dies, along
 * with the post fields read from it.
 */
export function buildCitation(resolved: ResolvedCitation, findings: CitationFindings, previous: Citation | undefined): Citation {
  const citation: Citation = { id: resolved.id, type: resolved.type, status: findings.status, occurrences: resolved.occurrences, checks: [] };
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
  if (check !== undefined && !citation.checks.some((earlier) => earlier.at === check.at && earlier.status === check.status)) {
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
  if (printed !== undefined && printed.trim() !== '' && post.text !== undefined && post.id !== undefined) post.quote = quoteVerdict(printed, post.text);
}

function mergePost(printed: Post | undefined, captured: Omit<Post, 'platform' | 'embed'> | undefined, previous: Post | undefined): Post {
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
