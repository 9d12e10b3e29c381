import { decodeHtmlBytes } from '../extract/index.js';
import { FetchError } from '../errors.js';
import type { LinkCheck } from '../resolve/ports.js';
import type { LinkResolution } from '../resolve/resolve-link.js';
import { readPageMetadata } from './page-metadata.js';

/**
 * Turns a link's resolution into its check: a chain that ended on an ordinary page
 * has that page's answer as its capture (already in the WARC file) and its metadata
 * read, decoded by the charset of its Content-Type, else its <meta>, else a sniff.
 */
export function linkCheckOf(resolution: LinkResolution, checkedAt: string): LinkCheck {
  const { link, end } = resolution;
  if (end.kind === 'post') {
    const postEnd: LinkCheck['end'] = { kind: 'post', id: end.id };
    if (end.handle !== undefined) postEnd.handle = end.handle;
    return { checkedAt, link, end: postEnd };
  }
  if (end.kind === 'error') return { checkedAt, link, end: { kind: 'error', status: end.status, error: end.error } };

  const contentType = end.exchange.header('content-type');
  if (contentType === undefined || /html|xml/i.test(contentType)) {
    try {
      const html = decodeHtmlBytes(end.exchange.decodedBody(), contentType).text;
      link.page = readPageMetadata(html, link.finalUrl ?? link.url);
    } catch (error) {
      // A body that cannot be decoded is still captured as it came; only its metadata is lost.
      if (!(error instanceof FetchError)) throw error;
    }
  }
  return { checkedAt, link, end: { kind: 'page', capture: { ...end.recorded, via: 'page' } } };
}
