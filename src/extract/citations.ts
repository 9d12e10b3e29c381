// Occurrences as the readers find them, and their assembly into citations: one
// citation per target, occurrences in document order, citations in order of
// first occurrence.
import { createHash } from 'node:crypto';
import {
  postCitationId,
  postUrl,
  type Occurrence,
  type OccurrenceForm,
  type Post,
  type PostEmbed,
} from '../model/index.js';
import { contextAround, collapseWhitespace, type TextSlices } from './plain-text.js';
import { linkTargetCitationId, shortLinkUrl, type LinkTarget } from './post-url.js';
import type { ExtractedCitation } from './types.js';

/**
 * A post read from an embed's markup or a residue passage. The readers fill it
 * in as they go: an embed's id is known only once its status link (the last one)
 * has been read.
 */
export interface EmbeddedPost {
  id?: string;
  /** The language of the embed's text (its <p lang>). */
  lang?: string;
  /** As printed: author name, handle, date, text. Fields are absent, never undefined. */
  embed: PostEmbed;
}

export type FoundTarget = LinkTarget | { kind: 'embedded-post'; post: EmbeddedPost };

/** One place in the source that cites something. */
export interface FoundOccurrence {
  form: OccurrenceForm;
  raw: string;
  offset: number;
  /** Its place in the plain text: where its context is taken from. */
  plainPosition: number;
  target: FoundTarget;
  /** The embed or residue whose markup or passage holds it. */
  container?: EmbeddedPost;
}

/** Groups occurrences into citations; `plainText` is the text their contexts come from. */
export function assembleCitations(found: readonly FoundOccurrence[], plainText: TextSlices): ExtractedCitation[] {
  const ids = new Map<EmbeddedPost, string>();
  const idOf = (target: FoundTarget): string => {
    if (target.kind !== 'embedded-post') return linkTargetCitationId(target);
    let id = ids.get(target.post);
    if (id === undefined) {
      id = target.post.id === undefined ? embedCitationId(target.post.embed) : postCitationId(target.post.id);
      ids.set(target.post, id);
    }
    return id;
  };

  const drafts = new Map<string, CitationDraft>();
  for (const occurrence of [...found].sort((a, b) => a.offset - b.offset)) {
    const id = idOf(occurrence.target);
    let draft = drafts.get(id);
    if (draft === undefined) {
      draft = { id, occurrences: [], target: occurrence.target };
      const parent =
        occurrence.container === undefined ? undefined : idOf({ kind: 'embedded-post', post: occurrence.container });
      if (parent !== undefined && parent !== id) draft.parent = parent;
      drafts.set(id, draft);
    }
    draft.occurrences.push({
      form: occurrence.form,
      raw: occurrence.raw,
      offset: occurrence.offset,
      context: contextAround(plainText, occurrence.plainPosition),
    });
    const target = occurrence.target;
    if (target.kind === 'post') draft.urlHandle ??= target.handle;
    if (target.kind === 'embedded-post') draft.postId ??= target.post.id;
    if (target.kind === 'embedded-post' && draft.embedded === undefined && hasFacts(target.post))
      draft.embedded = target.post;
  }
  return [...drafts.values()].map(toCitation);
}

interface CitationDraft {
  id: string;
  occurrences: Occurrence[];
  parent?: string;
  /** The first occurrence's target: it says what kind of citation this is. */
  target: FoundTarget;
  postId?: string | undefined;
  /** The handle of the first post URL, for posts no embed names the author of. */
  urlHandle?: string | undefined;
  /** The first embed or residue of this post that says anything about it. */
  embedded?: EmbeddedPost;
}

function toCitation(draft: CitationDraft): ExtractedCitation {
  const { target } = draft;
  const citation: ExtractedCitation = {
    id: draft.id,
    type: target.kind === 'short-link' ? 'link' : 'post',
    occurrences: draft.occurrences,
  };
  if (draft.parent !== undefined) citation.parent = draft.parent;
  if (target.kind === 'short-link') citation.link = { url: shortLinkUrl(target.code) };
  else citation.post = toPost(target.kind === 'post' ? target.id : draft.postId, draft);
  return citation;
}

function toPost(id: string | undefined, draft: CitationDraft): Post {
  const embedded = draft.embedded;
  const handle = embedded?.embed.handle ?? draft.urlHandle;
  const post: Post = { platform: 'twitter', media: [], links: [] };
  if (id !== undefined) {
    post.id = id;
    post.url = postUrl({ id, handle });
  }
  if (handle !== undefined) post.handle = handle;
  if (embedded?.lang !== undefined) post.lang = embedded.lang;
  if (embedded?.embed.text !== undefined) post.text = embedded.embed.text;
  if (embedded !== undefined && Object.keys(embedded.embed).length > 0) post.embed = embedded.embed;
  return post;
}

function hasFacts(post: EmbeddedPost): boolean {
  return post.lang !== undefined || Object.keys(post.embed).length > 0;
}

/** `embed:` and 16 hex digits of sha256(handle lowercased|date|normalized text): the same post printed alike gets the same id. */
export function embedCitationId(embed: PostEmbed): string {
  const key = [
    embed.handle?.toLowerCase() ?? '',
    embed.date ?? '',
    collapseWhitespace((embed.text ?? '').normalize('NFC')),
  ].join('|');
  return `embed:${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}
