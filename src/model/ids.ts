// The ids a citation and a target are known by. Citation ids are part of the
// record's format (contract section 7); target keys name a target in the index.

/** The citation id of a post known by id. */
export function postCitationId(postId: string): string {
  return `post:${postId}`;
}

/** The citation id of a t.co or pic.twitter.com link, by its case-sensitive code. */
export function shortLinkCitationId(code: string): string {
  return `tco:${code}`;
}

/** The index key of a post target. */
export function postTargetKey(postId: string): string {
  return `post:${postId}`;
}

/** The index key of a cited link, by the URL as cited. */
export function linkTargetKey(url: string): string {
  return `link:${url}`;
}
