import { FetchError } from '../errors.js';
import { decodeHtmlBytes, parsePostUrl } from '../extract/index.js';
import type { HttpExchange } from '../net/index.js';
import type { ErrorCode, Hop, Link, LinkEnd, RecordedExchange } from '../model/index.js';
import type { ExchangeRecorder, Fetcher } from '../ports.js';
import { absoluteUrl } from '../url.js';
import { findPageRedirect } from './redirect-page.js';

export interface ResolveLinkOptions {
  fetcher: Fetcher;
  /** CITESNAP_MAX_REDIRECTS: hops followed from one citation. */
  maxRedirects: number;
  /** Sent to t.co, which answers browsers with an HTML page instead of a 301. */
  shortLinkUserAgent: string;
  /** Archives every answer, in order (redirects included: a replay needs them). */
  record: ExchangeRecorder;
}

/** Where the chain ended; an ordinary page's end carries its answer, archived, and its HTML text when it is HTML. */
export type ResolvedLinkEnd = LinkEnd<{ exchange: HttpExchange; recorded: RecordedExchange; html?: string }>;

export interface LinkResolution {
  link: Link;
  end: ResolvedLinkEnd;
}

const SHORT_LINK_HOSTS = new Set(['t.co', 'www.t.co']);

/**
 * Follows a cited link hop by hop, recording every request (HTTP redirects, meta
 * refresh and script redirects alike), until it reaches a post URL, an ordinary
 * page, or an error. Loops and over-long chains stop with REDIRECT_LOOP and
 * TOO_MANY_REDIRECTS.
 */
export async function resolveLink(citedUrl: string, options: ResolveLinkOptions): Promise<LinkResolution> {
  const hops: Hop[] = [];
  const visited = new Set<string>();
  const link: Link = { url: citedUrl, hops };
  let url = normalizeCitedUrl(citedUrl);

  const finish = (end: ResolvedLinkEnd, finalUrl: string): LinkResolution => {
    link.finalUrl = finalUrl;
    const last = hops.at(-1);
    if (last !== undefined && last.status > 0) link.httpStatus = last.status;
    return { link, end };
  };
  const fail = (status: 'dead' | 'blocked' | 'failed', code: ErrorCode, message: string): LinkResolution =>
    finish({ kind: 'error', status, error: { code, message } }, url);

  for (;;) {
    url = unwrapUnsafeLinkWarning(url);
    // A post URL ends the chain (except as the cited link itself, which is no redirect).
    const post = parsePostUrl(url);
    if (post !== undefined && hops.length > 0) return finish({ kind: 'post', ...post }, url);
    if (visited.has(url)) return fail('failed', 'REDIRECT_LOOP', `redirect loop: ${url} was already visited`);
    if (hops.length > options.maxRedirects) {
      return fail('failed', 'TOO_MANY_REDIRECTS', `more than ${options.maxRedirects} redirects from ${citedUrl}`);
    }
    visited.add(url);

    let exchange: HttpExchange;
    try {
      const isShortLink = SHORT_LINK_HOSTS.has(new URL(url).hostname.toLowerCase());
      exchange = await options.fetcher.fetch(url, isShortLink ? { userAgent: options.shortLinkUserAgent } : {});
    } catch (error) {
      if (!(error instanceof FetchError)) throw error;
      // A request refused before it was sent is no hop; one that got no answer is, with status 0.
      if (error.code !== 'BLOCKED_ADDRESS' && error.code !== 'BLOCKED_SCHEME')
        hops.push({ url, status: 0, via: 'http' });
      return fail(statusOfFetchError(error.code), error.code, error.message);
    }
    const recorded = await options.record(exchange);
    const { status } = exchange.response;

    const location = exchange.header('location');
    if (status >= 300 && status < 400 && location !== undefined) {
      const next = absoluteUrl(location, url);
      hops.push({ url, status, location: next ?? location, via: 'http' });
      if (next === undefined)
        return fail('failed', 'BAD_RESPONSE', `unusable Location ${JSON.stringify(location)} from ${url}`);
      url = next;
      continue;
    }
    if (status >= 200 && status < 300) {
      const html = htmlOf(exchange);
      const redirect = html === undefined ? undefined : findPageRedirect(html, url);
      if (redirect !== undefined) {
        hops.push({ url, status, location: redirect.url, via: redirect.via });
        url = redirect.url;
        continue;
      }
      hops.push({ url, status, via: 'http' });
      // The decoded page goes along, so that its metadata is read without decoding it again.
      return finish(
        html === undefined ? { kind: 'page', exchange, recorded } : { kind: 'page', exchange, recorded, html },
        url,
      );
    }
    hops.push({ url, status, via: 'http' });
    if (status === 404 || status === 410) return fail('dead', 'HTTP_STATUS', `${url} answered HTTP ${status}`);
    if (status === 429) return fail('failed', 'RATE_LIMITED', `${url} answered HTTP 429 after retries`);
    return fail(
      'failed',
      status >= 300 && status < 400 ? 'BAD_RESPONSE' : 'HTTP_STATUS',
      `${url} answered HTTP ${status}`,
    );
  }
}

/** `pic.twitter.com/X` is the display form of `https://t.co/X`; scheme-less links get https. */
export function normalizeCitedUrl(cited: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:/i.test(cited) ? cited : `https://${cited}`;
  const url = new URL(withScheme);
  if (url.hostname.toLowerCase() === 'pic.twitter.com') return `https://t.co${url.pathname}`;
  return url.href;
}

/** `https://twitter.com/safety/unsafe_link_warning?unsafe_link=<url>` stands for `<url>`. */
export function unwrapUnsafeLinkWarning(url: string): string {
  try {
    const parsed = new URL(url);
    if (
      !/^(?:www\.|mobile\.)?(?:twitter|x)\.com$/i.test(parsed.hostname) ||
      parsed.pathname !== '/safety/unsafe_link_warning'
    )
      return url;
    const target = parsed.searchParams.get('unsafe_link');
    return target !== null && URL.canParse(target) ? new URL(target).href : url;
  } catch {
    return url;
  }
}

/**
 * An HTML answer's text, decoded by the charset of its Content-Type, else its <meta>,
 * else a sniff (an answer without a Content-Type may be HTML too). Undefined for
 * other answers, and for a body that cannot be decoded: that one is still captured
 * as it came, it is just neither a redirect page nor a source of metadata.
 */
function htmlOf(exchange: HttpExchange): string | undefined {
  const contentType = exchange.header('content-type');
  if (contentType !== undefined && !/html|xml/i.test(contentType)) return undefined;
  try {
    return decodeHtmlBytes(exchange.decodedBody(), contentType).text;
  } catch (error) {
    if (error instanceof FetchError) return undefined;
    throw error;
  }
}

function statusOfFetchError(code: ErrorCode): 'dead' | 'blocked' | 'failed' {
  if (code === 'BLOCKED_ADDRESS' || code === 'BLOCKED_SCHEME') return 'blocked';
  if (code === 'DNS') return 'dead';
  return 'failed';
}
