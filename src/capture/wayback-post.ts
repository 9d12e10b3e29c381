import { loadHtml } from '../html.js';
import type { Post } from '../model/index.js';
import { isObject, stringOf } from './json-fields.js';

/** What a Wayback copy of a post's status page tells of the post. */
export type WaybackPost = Pick<Post, 'links'> &
  Partial<Pick<Post, 'text' | 'handle' | 'authorName' | 'createdAt' | 'lang'>>;

/**
 * Reads the post out of a Wayback copy of its status page (upstreams.md): old captures
 * of twitter.com are often the JSON of the post (`full_text` or `text`, `entities`,
 * `user`), newer ones the HTML of the x.com page, read from its `tweetText` element,
 * else its `og:description` (the text in curly quotes), else its title
 * (`Name on X: "text" / X`). Links are the post's t.co links; JSON also names where
 * they lead. Anything else gives no text.
 */
export function readWaybackPost(body: string, contentType: string | undefined): WaybackPost {
  const trimmed = body.trimStart();
  if (/json/i.test(contentType ?? '') || trimmed.startsWith('{')) return readPostJson(trimmed);
  return readPostPage(body);
}

function readPostJson(body: string): WaybackPost {
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    return { links: [] };
  }
  if (!isObject(data)) return { links: [] };
  const post: WaybackPost = { links: [] };
  const text = stringOf(data.full_text) ?? stringOf(data.text);
  if (text !== undefined) post.text = text;
  const lang = stringOf(data.lang);
  if (lang !== undefined) post.lang = lang;
  const createdAt = stringOf(data.created_at);
  if (createdAt !== undefined && !Number.isNaN(Date.parse(createdAt)))
    post.createdAt = new Date(createdAt).toISOString();
  const user = isObject(data.user) ? data.user : {};
  const handle = stringOf(user.screen_name);
  if (handle !== undefined) post.handle = handle;
  const authorName = stringOf(user.name);
  if (authorName !== undefined) post.authorName = authorName;
  const entities = isObject(data.entities) ? data.entities : {};
  for (const list of [entities.urls, entities.media]) {
    if (!Array.isArray(list)) continue;
    const entries: unknown[] = list;
    for (const entry of entries) {
      if (!isObject(entry)) continue;
      const url = stringOf(entry.url);
      const expandedUrl = stringOf(entry.expanded_url);
      if (url !== undefined && expandedUrl !== undefined && !post.links.some((link) => link.url === url))
        post.links.push({ url, expandedUrl });
    }
  }
  return post;
}

function readPostPage(html: string): WaybackPost {
  const $ = loadHtml(html);
  const post: WaybackPost = { links: [] };
  const element = $('[data-testid="tweetText"]').first();
  let text: string | undefined;
  if (element.length > 0) {
    text = element.text().trim();
    const lang = element.attr('lang');
    if (lang !== undefined && lang !== '') post.lang = lang;
  }
  text ||= /^\s*[“"](.*)[”"]\s*$/s.exec($('meta[property="og:description"]').attr('content') ?? '')?.[1];
  text ||= / on (?:X|Twitter): [“"](.*)[”"] \/ (?:X|Twitter)$/s.exec($('title').first().text().trim())?.[1];
  if (text !== undefined && text !== '') post.text = text;
  const createdAt = $('article time[datetime]').first().attr('datetime');
  if (createdAt !== undefined && !Number.isNaN(Date.parse(createdAt)))
    post.createdAt = new Date(createdAt).toISOString();
  return post;
}
