import type { ResolvedCitation } from '../resolve/resolve-citations.js';
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
  if (findings.error !== undefined && (findings.status === 'dead' || findings.status === 'blocked' || findings.status === 'failed')) {
    citation.error = findings.error;
  }

  citation.checks = [...(previous?.checks ?? [])];
  const check = findings.check;
  if (check !== undefined && !citation.checks.some((earlier) => earlier.at === check.at && earlier.status === check.status)) {
    citation.checks.push(check);
    citation.checks.sort((a, b) => a.at.localeCompare(b.at));
  }
  return citation;
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
