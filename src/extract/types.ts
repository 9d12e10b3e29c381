import type { Occurrence, Post } from '../model/index.js';

/** A citation as the extraction stage finds it, before resolution and capture. */
export interface ExtractedCitation {
  /**
   * Stable across runs: `post:<id>` when the post id is known; `embed:<16 hex>` (of
   * sha256 of `handle lowercased|date|normalized text`) for an embed or residue
   * without id; `tco:<code>` for a t.co or pic.twitter.com link (the code as
   * written: it is case-sensitive).
   */
  id: string;
  /** Short links and media links are 'link' until resolution says otherwise. */
  type: 'post' | 'link';
  /** In document order. */
  occurrences: Occurrence[];
  /** The id of the embed citation whose markup or passage holds this citation's first occurrence. */
  parent?: string;
  /** For type 'post'. */
  post?: Post;
  /** For type 'link': the URL to resolve, https://t.co/<code>. */
  link?: { url: string };
}

export interface ExtractedDocument {
  /** HTML only: og:title, else <title>. */
  title?: string;
  /** In order of first occurrence. */
  citations: ExtractedCitation[];
}
