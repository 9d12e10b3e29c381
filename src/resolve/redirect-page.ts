import { loadHtml } from '../html.js';
import { absoluteUrl } from '../url.js';

export interface PageRedirect {
  url: string;
  via: 'meta-refresh' | 'script';
}

/** Redirect pages are tiny; a full article is never one, and need not be decoded or parsed for it. */
const MAX_REDIRECT_PAGE_CHARS = 64 * 1024;
/** A cheap look before the parse: most pages hold neither a refresh nor a script redirect. */
const MIGHT_REDIRECT = /http-equiv\s*=\s*["']?refresh|location\s*(?:\.\s*(?:replace|assign|href)|=)/i;

/**
 * The onward URL of an HTML page that redirects without a 3xx: t.co answers browsers
 * with `<noscript><META http-equiv="refresh" content="0;URL=…"></noscript>` and
 * `<script>location.replace("https:\/\/…")</script>`, with or without a <head>.
 * The meta refresh wins (it needs no script); only an immediate refresh counts, so a
 * news page that reloads itself every five minutes is not taken for a redirect.
 */
export function findPageRedirect(html: string, pageUrl: string): PageRedirect | undefined {
  if (html.length > MAX_REDIRECT_PAGE_CHARS || !MIGHT_REDIRECT.test(html)) return undefined;
  const $ = loadHtml(html);
  for (const element of $('meta[http-equiv]').toArray()) {
    if ($(element).attr('http-equiv')?.trim().toLowerCase() !== 'refresh') continue;
    const target = refreshTarget($(element).attr('content') ?? '');
    const absolute = target === undefined ? undefined : absoluteUrl(target, pageUrl);
    if (absolute !== undefined) return { url: absolute, via: 'meta-refresh' };
  }
  for (const element of $('script').toArray()) {
    const match =
      /location\.(?:replace|assign)\(\s*(["'])((?:\\.|(?!\1).)*)\1\s*\)|location(?:\.href)?\s*=\s*(["'])((?:\\.|(?!\3).)*)\3/.exec(
        $(element).text(),
      );
    const literal = match?.[2] ?? match?.[4];
    if (literal === undefined) continue;
    const absolute = absoluteUrl(unescapeJsString(literal), pageUrl);
    if (absolute !== undefined) return { url: absolute, via: 'script' };
  }
  return undefined;
}

/** `0;URL=https://…`, `0; url='…'`, `0,https://…`: the target of an immediate refresh. */
function refreshTarget(content: string): string | undefined {
  const match = /^\s*(\d+(?:\.\d*)?)?\s*[;,]?\s*(?:url\s*=\s*)?(['"]?)(.*?)\2\s*$/i.exec(content);
  if (!match || Number(match[1] ?? '0') > 0 || !match[3]) return undefined;
  return match[3];
}

/** `https:\/\/t.co\/x` and `\u0026` as a script literal holds them. */
function unescapeJsString(literal: string): string {
  return literal.replace(/\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)/g, (_, escape: string) => {
    if (escape.length > 1 && (escape[0] === 'u' || escape[0] === 'x'))
      return String.fromCharCode(parseInt(escape.slice(1), 16));
    return escape;
  });
}
