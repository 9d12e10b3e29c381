import type { ShortLink } from './scenario.js';
import type { UpstreamHandler } from './respond.js';
import { escapeHtml, send, sendHtml, sendRedirect, sendStatus } from './respond.js';

/**
 * t.co, over http and https alike. upstreams.md: a non-browser User-Agent gets a 301;
 * a browser gets a 200 HTML page that holds both a `<noscript>` meta refresh and a
 * `location.replace(...)` script; a trailing `?amp=1` is harmless (any query is ignored).
 */
export const serveShortLink: UpstreamHandler = (request, response, scenario) => {
  const link = scenario.shortLink(request.url.pathname.slice(1));
  if (link === undefined) return sendStatus(request, response, 404);
  if (!isBrowser(request.headers['user-agent'])) {
    return send(request, response, {
      status: 301,
      headers: { location: link.location, 'cache-control': 'private,max-age=300' },
    });
  }
  sendHtml(request, response, 200, browserRedirectPage(link));
};

/**
 * pic.twitter.com/CODE is only the display form of https://t.co/CODE (contract section 6),
 * and clients resolve it as that; a client that asks this host anyway is sent there.
 */
export const servePicTwitter: UpstreamHandler = (request, response) => {
  sendRedirect(request, response, `https://t.co${request.url.pathname}`);
};

/** t.co decides by one test: browsers say "Mozilla". */
function isBrowser(userAgent: string | undefined): boolean {
  return userAgent?.includes('Mozilla') === true;
}

function browserRedirectPage(link: ShortLink): string {
  const target = escapeHtml(link.location);
  // The script form escapes slashes as t.co does: "https:\/\/example.com\/".
  const scriptTarget = JSON.stringify(link.location).slice(1, -1).replace(/\//g, '\\/');
  const refresh = `<noscript><META http-equiv="refresh" content="0;URL=${target}"></noscript>`;
  const script = `<script>window.opener = null; location.replace("${scriptTarget}")</script>`;
  if (link.withoutHead) return `${refresh}<title>${target}</title>${script}`;
  return `<head><meta name="referrer" content="always">${refresh}<title>${target}</title></head>${script}`;
}
