// The citations written in a document's plain text: URLs and embed residue.
// Shared by the text reader (where the plain text is the source) and the HTML
// reader (where it is the text between the tags).
import type { EmbeddedPost, FoundOccurrence } from './citations.js';
import { findLinks } from './link-scan.js';
import type { TextSlices } from './plain-text.js';
import { linkTargetCitationId } from './post-url.js';
import { findResidues, type Residue, type ResidueScanOptions } from './residue.js';

export interface PlainTextScanOptions extends Omit<ResidueScanOptions, 'isExcluded'> {
  /** Where the plain text [start, end) was written in the source: its offset, and the source text there. */
  sourceSpan: (start: number, end: number) => { offset: number; raw: string };
  /** Ascending positions of `.co` in the text: where a link's host may end. */
  hostSuffixes: Iterable<number>;
  /** The innermost embed whose markup holds a plain-text position. Default: none (plain text has no embeds). */
  embedAt?: (position: number) => EmbeddedPost | undefined;
  /** The occurrence of the innermost <a> whose text holds `position`, if that <a> cites anything. Default: none. */
  anchorAt?: (position: number) => FoundOccurrence | undefined;
}

/**
 * Adds the URLs and residues of `plainText` to `found`, and marks every
 * occurrence inside a residue passage (including those already in `found`) as
 * held by that residue.
 */
export function findPlainTextCitations(
  plainText: TextSlices,
  found: FoundOccurrence[],
  options: PlainTextScanOptions,
): void {
  const { embedAt, anchorAt } = options;
  for (const link of findLinks(plainText, options.hostSuffixes)) {
    const anchor = anchorAt?.(link.start);
    if (
      anchor !== undefined &&
      anchor.target.kind !== 'embedded-post' &&
      linkTargetCitationId(anchor.target) === linkTargetCitationId(link.target)
    ) {
      // The URL is the text of an <a> to the same target: one occurrence, the href.
      // <a href="https://t.co/X">pic.twitter.com/X</a> is how a post shows a photo: a media link.
      if (link.target.kind === 'short-link' && link.target.form === 'media-link') anchor.form = 'media-link';
      continue;
    }
    const container = embedAt?.(link.start);
    found.push({
      form: link.target.kind === 'post' ? 'post-url' : link.target.form,
      ...options.sourceSpan(link.start, link.end),
      plainPosition: link.start,
      target: link.target,
      ...(container === undefined ? {} : { container }),
    });
  }

  const residues = findResidues(plainText, {
    handleCandidates: options.handleCandidates,
    paragraphAround: options.paragraphAround,
    lineBreaks: options.lineBreaks,
    ...(embedAt === undefined ? {} : { isExcluded: (position: number) => embedAt(position) !== undefined }),
  });
  const byPosition = [...found].sort((a, b) => a.plainPosition - b.plainPosition);
  let next = 0;
  for (const residue of residues) {
    while (next < byPosition.length && (byPosition[next]?.plainPosition ?? Infinity) < residue.start) next++;
    const inPassage: FoundOccurrence[] = [];
    for (; next < byPosition.length; next++) {
      const occurrence = byPosition[next];
      if (occurrence === undefined || occurrence.plainPosition >= residue.end) break;
      inPassage.push(occurrence);
    }
    const post = residuePost(residue, inPassage);
    for (const occurrence of inPassage) occurrence.container ??= post;
    found.push({
      form: 'attribution',
      ...options.sourceSpan(residue.start, residue.end),
      plainPosition: residue.start,
      target: { kind: 'embedded-post', post },
    });
  }
}

/**
 * The post a residue stands for. A post URL in its passage gives its id when the
 * URL names the residue's own handle (or none): a URL of another handle is a post
 * the residue's post links to or quotes.
 */
function residuePost(residue: Residue, inPassage: readonly FoundOccurrence[]): EmbeddedPost {
  const post: EmbeddedPost = {
    embed: {
      authorName: residue.authorName,
      handle: residue.handle,
      ...(residue.date === undefined ? {} : { date: residue.date }),
      dateText: residue.dateText,
      ...(residue.text === '' ? {} : { text: residue.text }),
    },
  };
  const handle = residue.handle.toLowerCase();
  for (const { target, plainPosition } of inPassage) {
    if (target.kind !== 'post') continue;
    // A post URL in the trailer (the date linked to the post, as markdown sources
    // keep it) is the post's own status link, whatever handle it names.
    const isStatusLink = plainPosition >= residue.trailerStart;
    if (isStatusLink || target.handle === undefined || target.handle.toLowerCase() === handle) post.id = target.id;
  }
  return post;
}
