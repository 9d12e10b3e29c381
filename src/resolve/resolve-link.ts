import { FetchError } from '../errors.js';
import { decodeHtmlBytes, parsePostUrl } from '../extract/index.js';
import type { HttpExchange } from '../net/index.js';
import type { ErrorCode, Hop, Link } from '../record/types.js';
import type { ExchangeRecorder, Fetcher, RecordedExchange } from './ports.js';
import { absoluteUrl } from '../url.js';
import { findPageRedirect, MAX_REDIRECT_PAGE_BYTES, type PageRedirect } from './redirect-page.js';

export interface ResolveLinkOptions {
  fetcher: Fetcher;
  /** CITESNAP_MAX_REDIRECTS: hops followed from one citation. */
  maxRedirects: number;
  /** Sent to t.co, which answers browsers with an HTML page instead of a 301. */
  shortLinkUserAgent: string;
  /** Archives every answer, in order (redirects included: a replay needs them). */
  record: ExchangeRecorder;
}

export type LinkEnd =
  /** The chain reached a post URL; the post is captured from its own sources, not its login-walled page. */
  | { kind: 'post'; id: string; handle?: string }
  /** The chain ended on an ordinary page (2xx): its answer is the page capture. */
  | { kind: 'page'; exchange: HttpExchange; recorded: RecordedExchange }
  | { kind: 'error'; status: 'dead' | 'blocked' | 'failed'; error: { code: ErrorCode; message: string } };

export interface LinkResolution {
  link: Link;
  end: LinkEnd;
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

  const finish = (end: LinkEnd, finalUrl: string): LinkResolution => {
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
      if (error.code !== 'BLOCKED_ADDRESS' && error.code !== 'BLOCKED_SCHEME') hops.push({ url, status: 0, via: 'http' });
      return fail(statusOfFetchError(error.code), error.code, error.message);
    }
    const recorded = await options.record(exchange);
    const { status } = exchange.response;

    const location = exchange.header('location');
    if (status >= 300 && status < 400 && location !== undefined) {
      const next = absoluteUrl(location, url);
      hops.push({ url, status, location: next ?? location, via: 'http' });
      if (next === undefined) return fail('failed', 'BAD_RESPONSE', `unusable Location ${JSON.stringify(location)} from ${url}`);
      url = next;
      continue;
    }
    if (status >= 200 && status < 300) {
      const redirect = isHtml(exchange) ? pageRedirectOf(exchange, url) : undefined;
      if (redirect !== undefined) {
        hops.push({ url, status, location: redirect.url, via: redirect.via });
        url = redirect.url;
        continue;
      }
      hops.push({ url, status, via: 'http' });
      return finish({ kind: 'page', exchange, recorded }, url);
    }
    hops.push({ url, status, via: 'http' });
    if (status === 404 || status === 410) return fail('dead', 'HTTP_STATUS', `${url} answered HTTP ${status}`);
    if (status === 429) return fail('failed', 'RATE_LIMITED', `${url} answered HTTP 429 after retries`);
    return fail('failed', status >= 300 && status < 400 ? 'BAD_RESPONSE' : 'HTTP_STATUS', `${url} answered HTTP ${status}`);
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
    if (!/^(?:www\.|mobile\.)?(?:twitter|x)\.com$/i.test(parsed.hostname) || parsed.pathname !== '/safety/unsafe_link_warning') return url;
    const target = parsed.searchParams.get('unsafe_link');
    return target !== null && URL.canParse(target) ? new URL(target).href : url;
  } catch {
    return url;
  }
}

/**
 * A small HTML answer may be a redirect page (t.co's for browsers). A body that cannot
 * be decoded is no redirect: it is still captured as it came.
 */
function pageRedirectOf(exchange: HttpExchange, url: string): PageRedirect | undefined {
  let body: Buffer;
  try {
    body = exchange.decodedBody();
  } catch (error) {
    if (error instanceof FetchError) return undefined;
    throw error;
  }
  if (body.length > MAX_REDIRECT_PAGE_BYTES) return undefined;
  return findPageRedirect(decodeHtmlBytes(body, exchange.header('content-type')).text, url);
}

function statusOfFetchError(code: ErrorCode): 'dead' | 'blocked' | 'failed' {
  if (code === 'BLOCKED_ADDRESS' || code === 'BLOCKED_SCHEME') return 'blocked';
  if (code === 'DNS') return 'dead';
  return 'failed';
}

function isHtml(exchange: HttpExchange): boolean {
  return /html/i.test(exchange.header('content-type') ?? '');
}
