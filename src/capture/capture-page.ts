import type { LinkCheck } from '../model/index.js';
import type { LinkResolution } from '../resolve/resolve-link.js';
import { readPageMetadata } from './page-metadata.js';

/**
 * Turns a link's resolution into its check: a chain that ended on an ordinary page
 * has that page's answer as its capture (already in the WARC file) and, for HTML,
 * its metadata read from the text resolution decoded.
 */
export function linkCheckOf(resolution: LinkResolution, checkedAt: string): LinkCheck {
  const { link, end } = resolution;
  if (end.kind !== 'page') return { checkedAt, link, end };

  if (end.html !== undefined) link.page = readPageMetadata(end.html, link.finalUrl ?? link.url);
  return { checkedAt, link, end: { kind: 'page', capture: { ...end.recorded, via: 'page' } } };
}
