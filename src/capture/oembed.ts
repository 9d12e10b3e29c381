import { loadHtml } from '../html.js';
import type { Inconclusive } from './inconclusive.js';

export function oembedUrl(postUrl: string): string {
  return `https://publish.twitter.com/oembed?url=${encodeURIComponent(postUrl)}&omit_script=1&dnt=true`;
}

export type OembedVerdict =
  | { kind: 'post'; authorName?: string; handle?: string; text?: string; html: string }
  | { kind: 'not-found' }
  | { kind: 'protected' }
  | { kind: 'suspended' }
  | Inconclusive;

/**
 * Reads an oEmbed answer: 200 JSON with the embed markup; 404 (non-JSON) for a
 * deleted or missing post; 403 "not authorized" for a protected account; and
 * "User has been suspended" seen with 403 or 404 for suspended accounts.
 */
export function readOembedAnswer(status: number, body: string): OembedVerdict {
  if (/user has been suspended/i.test(body)) return { kind: 'suspended' };
  if (status === 404) return { kind: 'not-found' };
  if (status === 403) {
    return /not authorized/i.test(body)
      ? { kind: 'protected' }
      : { kind: 'inconclusive', reason: 'oEmbed answered HTTP 403', httpStatus: status };
  }
  if (status !== 200) return { kind: 'inconclusive', reason: `oEmbed answered HTTP ${status}`, httpStatus: status };
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    return { kind: 'inconclusive', reason: 'oEmbed answered something that is not JSON' };
  }
  if (data === null || typeof data !== 'object' || typeof (data as { html?: unknown }).html !== 'string') {
    return { kind: 'inconclusive', reason: 'oEmbed answered JSON without embed markup' };
  }
  const answer = data as { html: string; author_name?: unknown; author_url?: unknown };
  const verdict: OembedVerdict = { kind: 'post', html: answer.html };
  if (typeof answer.author_name === 'string' && answer.author_name) verdict.authorName = answer.author_name;
  if (typeof answer.author_url === 'string') {
    const handle = /^https?:\/\/(?:www\.)?(?:twitter|x)\.com\/(\w{1,15})\/?$/i.exec(answer.author_url)?.[1];
    if (handle !== undefined) verdict.handle = handle;
  }
  const paragraph = loadHtml(answer.html.replace(/<br\s*\/?>/gi, '\n'))('blockquote p').first();
  const text = paragraph.length > 0 ? paragraph.text().trim() : '';
  if (text) verdict.text = text;
  return verdict;
}
