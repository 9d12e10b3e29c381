import type { ExtractedCitation } from '../extract/index.js';
import {
  postCitationId,
  postUrl,
  type IdentifiedBy,
  type Link,
  type LinkCheck,
  type LinkCheckEnd,
  type Occurrence,
  type Post,
} from '../model/index.js';

/** A citation once its links are resolved: posts known by id where a link told it. */
export interface ResolvedCitation {
  id: string;
  type: 'post' | 'link';
  occurrences: Occurrence[];
  parent?: string;
  /** For posts: what the article printed, and the id/handle/url once known. */
  post?: Post;
  /** How the cited URL was resolved (for a post: the short link that led to it). */
  link?: Link;
  /** Where the link ended, and when that was checked. */
  linkEnd?: LinkCheckEnd;
  linkCheckedAt?: string;
  /** The id the citation had before its post was identified (`embed:<hash>`), whose history it carries on. */
  formerId?: string;
}

/** The URLs of the links among `extracted` that resolution needs checked, each once. */
export function linksToCheck(extracted: readonly ExtractedCitation[]): string[] {
  const urls = extracted.flatMap((citation) =>
    citation.type === 'link' && citation.link !== undefined ? [citation.link.url] : [],
  );
  return [...new Set(urls)];
}

/**
 * Folds the checks of the links (by URL, as `linksToCheck` names them) into the
 * citation list (contract section 6): a short link that resolves to a post joins
 * that post's citation; one inside an embed whose id is unknown, resolving to a
 * post of the embed's handle, identifies the embed's post. Pure: the caller has
 * made the checks. A link without a check stays unresolved.
 */
export function resolveCitations(
  extracted: readonly ExtractedCitation[],
  linkChecks: ReadonlyMap<string, LinkCheck>,
): ResolvedCitation[] {
  const citations = new Map<string, ResolvedCitation>(extracted.map((citation) => [citation.id, toResolved(citation)]));
  const links = [...citations.values()].filter((citation) => citation.type === 'link' && citation.link !== undefined);

  for (const citation of links) {
    const check = citation.link === undefined ? undefined : linkChecks.get(citation.link.url);
    if (check === undefined) continue;
    citation.link = check.link;
    citation.linkEnd = check.end;
    citation.linkCheckedAt = check.checkedAt;
  }

  const renamed = new Map<string, string>();
  identifyEmbeds(citations, links, renamed);
  for (const citation of links) {
    if (citation.linkEnd?.kind !== 'post' || !citations.has(citation.id)) continue;
    joinPost(citations, citation, citation.linkEnd);
  }

  return withParentsRenamed(citations, renamed);
}

/**
 * Gives a post known only from the article (an embed or residue) the id found for it
 * some other way (the Wayback lookup of contract 6a): the citation becomes `post:<id>`,
 * joining a citation of that post where the document has one, and the links inside it
 * follow it as their parent.
 */
export function assignPostId(
  resolved: readonly ResolvedCitation[],
  citationId: string,
  found: { id: string; handle?: string; identifiedBy: IdentifiedBy },
): ResolvedCitation[] {
  const citations = new Map(resolved.map((citation) => [citation.id, citation]));
  const embed = citations.get(citationId);
  if (embed === undefined) return [...resolved];
  const renamed = new Map<string, string>();
  giveId(citations, renamed, embed, found);
  return withParentsRenamed(citations, renamed);
}

function withParentsRenamed(
  citations: Map<string, ResolvedCitation>,
  renamed: ReadonlyMap<string, string>,
): ResolvedCitation[] {
  const result = [...citations.values()];
  for (const citation of result) {
    if (citation.parent === undefined) continue;
    const parent = renamed.get(citation.parent) ?? citation.parent;
    if (parent === citation.id || !citations.has(parent)) delete citation.parent;
    else citation.parent = parent;
  }
  return result.sort((a, b) => firstOffset(a) - firstOffset(b));
}

function toResolved(citation: ExtractedCitation): ResolvedCitation {
  const resolved: ResolvedCitation = { id: citation.id, type: citation.type, occurrences: [...citation.occurrences] };
  if (citation.parent !== undefined) resolved.parent = citation.parent;
  if (citation.post !== undefined) {
    resolved.post = structuredClone(citation.post);
    // An id the document itself gave (a post URL, an embed's status link) came from a status link.
    if (resolved.post.id !== undefined) resolved.post.identifiedBy ??= 'status-link';
  }
  if (citation.link !== undefined) resolved.link = { url: citation.link.url, hops: [] };
  return resolved;
}

/**
 * An embed (or its residue) known only by handle and date gets its id from a link
 * inside it that resolves to a post of the same handle. The photo or video link is
 * the embed's own post (`…/status/ID/photo/1`); another link by the same author may
 * be a quote or a thread, so it is used only where there is no media link.
 */
function identifyEmbeds(
  citations: Map<string, ResolvedCitation>,
  links: readonly ResolvedCitation[],
  renamed: Map<string, string>,
): void {
  for (const embed of [...citations.values()]) {
    if (embed.type !== 'post' || embed.post?.id !== undefined) continue;
    const handle = (embed.post?.embed?.handle ?? embed.post?.handle)?.toLowerCase();
    if (handle === undefined) continue;
    const candidates = links.filter(
      (link) =>
        link.parent === embed.id && link.linkEnd?.kind === 'post' && link.linkEnd.handle?.toLowerCase() === handle,
    );
    const media = candidates.find((link) => /\/(?:photo|video)\/\d+\/?(?:[?#]|$)/.test(link.link?.finalUrl ?? ''));
    const chosen = media ?? candidates[0];
    if (chosen?.linkEnd?.kind !== 'post') continue;
    const { id, handle: postHandle } = chosen.linkEnd;
    const identifiedBy =
      chosen.occurrences.some((occurrence) => occurrence.form === 'media-link') || media !== undefined
        ? 'media-link'
        : 'short-link';
    giveId(citations, renamed, embed, {
      id,
      ...(postHandle === undefined ? {} : { handle: postHandle }),
      identifiedBy,
    });
  }
}

function giveId(
  citations: Map<string, ResolvedCitation>,
  renamed: Map<string, string>,
  embed: ResolvedCitation,
  found: { id: string; handle?: string; identifiedBy: IdentifiedBy },
): void {
  const newId = postCitationId(found.id);
  renamed.set(embed.id, newId);
  citations.delete(embed.id);
  const post = embed.post ?? { platform: 'twitter', media: [], links: [] };
  post.id = found.id;
  if (found.handle !== undefined) post.handle = found.handle;
  post.url = postUrl({ id: found.id, handle: post.handle });
  post.identifiedBy = found.identifiedBy;
  delete post.candidates;
  const existing = citations.get(newId);
  if (existing) mergeInto(existing, { ...embed, id: newId, post });
  else citations.set(newId, { ...embed, id: newId, post, formerId: embed.id });
}

/** A link that resolves to a post becomes an occurrence of that post's citation. */
function joinPost(
  citations: Map<string, ResolvedCitation>,
  link: ResolvedCitation,
  end: { id: string; handle?: string },
): void {
  const postId = postCitationId(end.id);
  citations.delete(link.id);
  const target = citations.get(postId);
  const post: Post = { platform: 'twitter', id: end.id, url: postUrl(end), media: [], links: [] };
  if (end.handle !== undefined) post.handle = end.handle;
  post.identifiedBy = link.occurrences.some((occurrence) => occurrence.form === 'media-link')
    ? 'media-link'
    : 'short-link';
  const joined: ResolvedCitation = { ...link, id: postId, type: 'post', post };
  delete joined.linkEnd;
  if (target) mergeInto(target, joined);
  else citations.set(postId, joined);
}

function mergeInto(target: ResolvedCitation, other: ResolvedCitation): void {
  target.occurrences = mergeOccurrences(target.occurrences, other.occurrences);
  if (target.parent === undefined && other.parent !== undefined) target.parent = other.parent;
  if (target.link === undefined && other.link !== undefined) {
    target.link = other.link;
    if (other.linkCheckedAt !== undefined) target.linkCheckedAt = other.linkCheckedAt;
  }
  if (other.post) target.post = target.post ? fillMissing(target.post, other.post) : other.post;
}

/** Two citations' occurrences as one list, in document order, each place once. */
export function mergeOccurrences(first: readonly Occurrence[], second: readonly Occurrence[]): Occurrence[] {
  const seen = new Set(first.map((occurrence) => `${occurrence.offset}:${occurrence.form}`));
  const merged = [...first, ...second.filter((occurrence) => !seen.has(`${occurrence.offset}:${occurrence.form}`))];
  return merged.sort((a, b) => a.offset - b.offset);
}

/** Keeps what `base` has, takes from `extra` what it lacks. */
function fillMissing(base: Post, extra: Post): Post {
  const merged = { ...extra, ...base } as Post;
  if (base.embed === undefined && extra.embed !== undefined) merged.embed = extra.embed;
  return merged;
}

function firstOffset(citation: ResolvedCitation): number {
  return citation.occurrences[0]?.offset ?? Number.MAX_SAFE_INTEGER;
}
