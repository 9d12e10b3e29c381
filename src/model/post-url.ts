// The one builder of a post's URL. Parsing the many forms an article may print
// (twitter.com, mobile., /i/web/status, …) is extraction's job (extract/post-url.ts).

/** A post named by id and, where known, its author's handle. */
export interface PostReference {
  /** Decimal digits. Never a Number: ids exceed 2^53. */
  id: string;
  handle?: string;
}

/** The hosts a post URL is built for: x.com is the canonical one, twitter.com is what oEmbed and Wayback know. */
export type PostHost = 'x.com' | 'twitter.com';

/**
 * `https://x.com/<handle>/status/<id>`, or `https://x.com/i/status/<id>` where the
 * handle is not known (X redirects `i` to the author). The record's `post.url`
 * always takes this form, whatever form the article printed.
 */
export function postUrl(post: { id: string; handle?: string | undefined }, host: PostHost = 'x.com'): string {
  return `https://${host}/${post.handle ?? 'i'}/status/${post.id}`;
}
