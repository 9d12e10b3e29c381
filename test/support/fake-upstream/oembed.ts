import type { Indices, Post } from './post-model.js';
import type { UpstreamHandler } from './respond.js';
import { escapeHtml, sendJson, sendStatus } from './respond.js';
import { TWITTER_HOSTS, X_HOSTS } from './x-com.js';

/**
 * `GET /oembed?url=<status url>&omit_script=1&dnt=true` on publish.twitter.com, answered
 * as upstreams.md reports:
 *
 * | post                                  | answer                                                  |
 * | ------------------------------------- | ------------------------------------------------------- |
 * | public, and every syndication-* oddity | 200 oEmbed JSON                                        |
 * | deleted, never added                  | 404, plain-text body                                    |
 * | protected                             | 403 {"error":"Sorry, you are not authorized to see this status."} |
 * | suspended                             | 403 {"errors":[{"code":63,"message":"User has been suspended."}]} |
 * | age-gated, withheld, rules-violation  | 404, plain-text body                                    |
 *
 * Suspended: upstreams.md has seen 403 or 404 with "User has been suspended" (uncertain);
 * the fake picks 403 with the API's error for a suspended user. Age-gated and withheld
 * posts: oEmbed renders only what a logged-out reader may see, and what it answers for
 * them is not documented; the fake says 404, so only syndication's tombstone tells them
 * apart from a deletion.
 *
 * The `url` may name any handle, on twitter.com or x.com; the answer names the real one.
 * `lang` sets `data-lang` and the language of the printed date, as embeds do.
 */
export const serveOembed: UpstreamHandler = (request, response, scenario) => {
  if (request.url.pathname !== '/oembed') return sendStatus(request, response, 404);
  const statusUrl = request.url.searchParams.get('url');
  if (statusUrl === null) return sendStatus(request, response, 400);
  const id = postIdOf(statusUrl);
  const post = id === undefined ? undefined : scenario.post(id);
  switch (post?.state) {
    case 'protected':
      return sendJson(request, response, 403, { error: 'Sorry, you are not authorized to see this status.' });
    case 'suspended':
      return sendJson(request, response, 403, { errors: [{ code: 63, message: 'User has been suspended.' }] });
    case undefined:
    case 'deleted':
    case 'age-gated':
    case 'withheld':
    case 'rules-violation':
      return sendStatus(request, response, 404);
    case 'public':
    case 'syndication-html':
    case 'syndication-empty':
    case 'syndication-no-user':
    case 'syndication-only-404':
      return sendJson(request, response, 200, oembedJson(post, request.url.searchParams));
  }
};

function oembedJson(post: Post, params: URLSearchParams): unknown {
  const statusUrl = `https://twitter.com/${post.handle}/status/${post.id}`;
  return {
    url: statusUrl,
    author_name: post.name,
    author_url: `https://twitter.com/${post.handle}`,
    html: blockquote(post, {
      lang: params.get('lang') ?? 'en',
      doNotTrack: isTrue(params.get('dnt')),
      omitScript: isTrue(params.get('omit_script')),
    }),
    width: 550,
    height: null,
    type: 'rich',
    cache_age: '3153600000',
    provider_name: 'Twitter',
    provider_url: 'https://twitter.com',
    version: '1.0',
  };
}

function blockquote(post: Post, options: { lang: string; doNotTrack: boolean; omitScript: boolean }): string {
  const attributes = [
    'class="twitter-tweet"',
    ...(options.lang === 'en' ? [] : [`data-lang="${escapeHtml(options.lang)}"`]),
    ...(options.doNotTrack ? ['data-dnt="true"'] : []),
  ].join(' ');
  const direction = RIGHT_TO_LEFT_LANGUAGES.has(post.lang) ? 'rtl' : 'ltr';
  const statusLink = `https://twitter.com/${post.handle}/status/${post.id}?ref_src=twsrc%5Etfw`;
  const script = options.omitScript
    ? ''
    : '<script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>\n';
  return (
    `<blockquote ${attributes}><p lang="${post.lang}" dir="${direction}">${textHtml(post)}</p>` +
    `&mdash; ${escapeHtml(post.name)} (@${post.handle}) <a href="${statusLink}">${printedDate(post.createdAt, options.lang)}</a></blockquote>\n` +
    script
  );
}

const RIGHT_TO_LEFT_LANGUAGES = new Set(['ar', 'fa', 'he', 'iw', 'ur']);

/** The text as embeds print it: links, mentions and tags as anchors; line breaks as <br>. */
function textHtml(post: Post): string {
  const anchors: { indices: Indices; html: string }[] = [
    // As in the embed of upstreams.md, a link shows as its t.co URL, a photo link as pic.twitter.com/CODE.
    ...post.links.map((link) => ({ indices: link.indices, html: `<a href="${link.url}">${link.url}</a>` })),
    ...(post.media === undefined
      ? []
      : [{ indices: post.media.indices, html: `<a href="${post.media.shortLink}">${post.media.displayUrl}</a>` }]),
    ...post.mentions.map((mention) => ({
      indices: mention.indices,
      html: `<a href="https://twitter.com/${mention.screenName}?ref_src=twsrc%5Etfw">@${mention.screenName}</a>`,
    })),
    ...post.hashtags.map((tag) => ({
      indices: tag.indices,
      html: `<a href="https://twitter.com/hashtag/${encodeURIComponent(tag.text)}?src=hash&amp;ref_src=twsrc%5Etfw">#${escapeHtml(tag.text)}</a>`,
    })),
  ].sort((a, b) => a.indices[0] - b.indices[0]);

  const codePoints = [...post.text];
  const plain = (from: number, to: number): string =>
    escapeHtml(codePoints.slice(from, to).join('')).replace(/\r?\n/g, '<br>');
  let html = '';
  let at = 0;
  for (const anchor of anchors) {
    if (anchor.indices[0] < at) continue;
    html += plain(at, anchor.indices[0]) + anchor.html;
    at = anchor.indices[1];
  }
  return html + plain(at, codePoints.length);
}

/** "November 28, 2023"; in the embed's language where it has one ("28 novembre 2023"). */
function printedDate(iso: string, lang: string): string {
  const format = (locale: string): string =>
    new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(iso));
  try {
    return format(lang);
  } catch {
    return format('en');
  }
}

function isTrue(value: string | null): boolean {
  return value === '1' || value === 'true' || value === 't';
}

const STATUS_HOSTS = new Set<string>([...TWITTER_HOSTS, ...X_HOSTS]);

/** The post id in any form of status URL (contract section 6), whatever the handle. */
function postIdOf(statusUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(statusUrl.includes('://') ? statusUrl : `https://${statusUrl}`);
  } catch {
    return undefined;
  }
  if (!STATUS_HOSTS.has(url.hostname)) return undefined;
  const path = url.hash.startsWith('#!/') ? url.hash.slice(2) : url.pathname;
  return /^\/(?:\w{1,50}\/status(?:es)?|i\/web\/status|i\/status)\/(\d{1,19})(?:\/|$)/.exec(path)?.[1];
}
