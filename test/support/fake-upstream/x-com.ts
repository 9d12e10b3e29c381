import type { UpstreamHandler } from './respond.js';
import { escapeHtml, sendHtml, sendRedirect } from './respond.js';

export const TWITTER_HOSTS = ['twitter.com', 'www.twitter.com', 'mobile.twitter.com', 'm.twitter.com'] as const;
export const X_HOSTS = ['x.com', 'www.x.com', 'mobile.x.com', 'm.x.com'] as const;

/** upstreams.md: twitter.com redirects to x.com, path and query kept. */
export const redirectToX: UpstreamHandler = (request, response) => {
  sendRedirect(request, response, `https://x.com${request.url.pathname}${request.url.search}`);
};

/**
 * x.com is a script-driven app: every path answers 200 with the same shell, whatever
 * the handle in a status path (upstreams.md: "any handle reaches the post") and whether
 * or not the post still exists; only the scripts could tell, and the fake has none.
 * Its other host names and plain http lead to https://x.com first.
 */
export const serveX: UpstreamHandler = (request, response) => {
  if (request.host !== 'x.com' || request.scheme === 'http') {
    return sendRedirect(request, response, `https://x.com${request.url.pathname}${request.url.search}`);
  }
  if (request.url.pathname === '/safety/unsafe_link_warning') {
    return sendHtml(request, response, 200, unsafeLinkWarningPage(request.url.searchParams.get('unsafe_link') ?? ''));
  }
  sendHtml(request, response, 200, APP_SHELL);
};

const APP_SHELL = `<!DOCTYPE html>
<html dir="ltr" lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1,maximum-scale=1,user-scalable=0,viewport-fit=cover">
<link rel="preconnect" href="//abs.twimg.com">
<title>X</title>
</head>
<body>
<noscript><div><h1>JavaScript is not available.</h1><p>We’ve detected that JavaScript is disabled in this browser. Please enable JavaScript or switch to a supported browser to continue using x.com.</p><p><a href="https://x.com/i/flow/login">Log in</a> <a href="https://x.com/i/flow/signup">Sign up</a></p></div></noscript>
<div id="react-root"></div>
<script src="https://abs.twimg.com/responsive-web/client-web/main.js" nonce=""></script>
</body>
</html>
`;

function unsafeLinkWarningPage(target: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>X / Warning: this link may be unsafe</title></head>
<body><h1>Warning: this link may be unsafe</h1>
<p>The link you are trying to access has been identified by X or our partners as being potentially spammy or unsafe.</p>
<p><a href="${escapeHtml(target)}">Ignore this warning and continue</a></p></body></html>
`;
}
