import type { Post } from './post-model.js';
import { escapeHtml } from './respond.js';
import type { WaybackSnapshotInput } from './scenario.js';

/**
 * How the Wayback Machine keeps a post's status page (upstreams.md): newer captures are
 * the HTML of the x.com page, older ones sit under twitter.com, often as JSON.
 */
export type WaybackCopyForm = 'x.com html' | 'twitter.com json';
export const WAYBACK_COPY_FORMS: readonly WaybackCopyForm[] = ['x.com html', 'twitter.com json'];

export interface WaybackCopyInput {
  /** YYYYMMDDhhmmss. */
  timestamp: string;
  /** Default 'x.com html'. */
  form?: WaybackCopyForm;
}

/** The URL a copy is archived under and what it holds, built from the post as it was when captured. */
export function waybackCopyOf(post: Post, copy: WaybackCopyInput): { url: string; snapshot: WaybackSnapshotInput } {
  const form = copy.form ?? 'x.com html';
  if (form === 'twitter.com json') {
    return {
      url: `https://twitter.com/${post.handle}/status/${post.id}`,
      snapshot: { timestamp: copy.timestamp, contentType: 'application/json', body: JSON.stringify(oldApiJson(post)) },
    };
  }
  return {
    url: `https://x.com/${post.handle}/status/${post.id}`,
    snapshot: { timestamp: copy.timestamp, body: xPageHtml(post) },
  };
}

/** The shape of the old REST API's status JSON, which old captures of twitter.com hold. */
function oldApiJson(post: Post): unknown {
  return {
    created_at: new Date(post.createdAt)
      .toUTCString()
      .replace(/^(\w+), (\d+) (\w+) (\d+) ([\d:]+) GMT$/, '$1 $3 $2 $5 +0000 $4'),
    id_str: post.id,
    full_text: post.text,
    lang: post.lang,
    entities: {
      urls: post.links.map((link) => ({
        url: link.url,
        expanded_url: link.expandedUrl,
        display_url: link.displayUrl,
        indices: link.indices,
      })),
      ...(post.media === undefined
        ? {}
        : {
            media: post.media.photos.map((photo) => ({
              url: post.media?.shortLink,
              media_url_https: photo.mediaUrl,
              expanded_url: photo.expandedUrl,
              type: 'photo',
            })),
          }),
    },
    user: { id_str: post.userId, name: post.name, screen_name: post.handle },
  };
}

/**
 * The x.com page as a crawler that runs its scripts keeps it: the post's text in the
 * `tweetText` element, its links as t.co anchors, and the Open Graph tags X serves.
 */
function xPageHtml(post: Post): string {
  const textHtml = escapeHtml(post.text).replace(
    /https:\/\/t\.co\/\w+/g,
    (link) => `<a href="${link}" rel="noopener">${link}</a>`,
  );
  return `<!DOCTYPE html>
<html dir="ltr" lang="${post.lang}">
<head>
<meta charset="utf-8">
<meta property="og:site_name" content="X (formerly Twitter)">
<meta property="og:title" content="${escapeHtml(post.name)} on X">
<meta property="og:description" content="“${escapeHtml(post.text)}”">
<meta property="og:url" content="https://x.com/${post.handle}/status/${post.id}">
<title>${escapeHtml(post.name)} on X: "${escapeHtml(post.text)}" / X</title>
</head>
<body>
<div id="react-root"><main><article data-testid="tweet">
<div data-testid="User-Name"><span>${escapeHtml(post.name)}</span><span>@${post.handle}</span></div>
<div data-testid="tweetText" lang="${post.lang}" dir="auto">${textHtml}</div>
${(post.media?.photos ?? []).map((photo) => `<div data-testid="tweetPhoto"><img src="${photo.mediaUrl}?name=small" alt="Image"></div>`).join('\n')}
<time datetime="${post.createdAt}"></time>
</article></main></div>
</body>
</html>
`;
}
