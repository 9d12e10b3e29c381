import { Parser } from 'htmlparser2';
import { absoluteUrl } from '../url.js';
import type { Page } from '../model/index.js';

/**
 * Reads a page's metadata from its decoded HTML: what a citation list needs to
 * show the page after it is gone. Open Graph wins over the plain tags because it
 * is what publishers curate for sharing; JSON-LD fills the published time where
 * `article:published_time` is missing.
 *
 * One streaming pass of htmlparser2 (the parser cheerio uses here, with the same
 * options), keeping only the tags read below: building the page's whole DOM and
 * running a selector over it for each tag cost most of a page capture's CPU. What
 * it reads is what the selectors read: the first element of each kind in document
 * order; `rel` and `type` compared as css-select compares them in HTML (a word of
 * the list, ignoring case), `property` and `name` exactly.
 */
export function readPageMetadata(html: string, pageUrl: string): Page {
  const tags = readHeadTags(html);
  const meta = (attribute: 'property' | 'name', value: string): string | undefined =>
    clean(tags.meta.get(`${attribute}=${value}`));
  const absolute = (value: string | undefined): string | undefined =>
    value === undefined ? undefined : absoluteUrl(value, pageUrl);

  const page: Page = {};
  const title = meta('property', 'og:title') ?? clean(tags.title);
  const description = meta('property', 'og:description') ?? meta('name', 'description');
  const siteName = meta('property', 'og:site_name');
  const canonicalUrl = absolute(clean(tags.canonicalHref) ?? meta('property', 'og:url'));
  const publishedAt = meta('property', 'article:published_time') ?? jsonLdDatePublished(tags.jsonLd);
  const lang = clean(tags.htmlLang);
  const image = absolute(meta('property', 'og:image') ?? meta('name', 'twitter:image'));
  if (title !== undefined) page.title = title;
  if (description !== undefined) page.description = description;
  if (siteName !== undefined) page.siteName = siteName;
  if (canonicalUrl !== undefined) page.canonicalUrl = canonicalUrl;
  if (publishedAt !== undefined) page.publishedAt = publishedAt;
  if (lang !== undefined) page.lang = lang;
  if (image !== undefined) page.image = image;
  return page;
}

/** The `property` and `name` values of <meta> read above. */
const META_KEYS = new Set([
  'property=og:title',
  'property=og:description',
  'name=description',
  'property=og:site_name',
  'property=og:url',
  'property=article:published_time',
  'property=og:image',
  'name=twitter:image',
]);

interface HeadTags {
  /** The first <title>'s text; undefined without one. */
  title: string | undefined;
  /** The first <html>'s lang attribute. */
  htmlLang: string | undefined;
  /** The href of the first <link> whose rel lists `canonical`. */
  canonicalHref: string | undefined;
  /** `property=<value>` or `name=<value>` -> the content attribute of the first such <meta>. */
  meta: Map<string, string | undefined>;
  /** The text of every <script type="application/ld+json">, in document order. */
  jsonLd: string[];
}

function readHeadTags(html: string): HeadTags {
  const tags: HeadTags = {
    title: undefined,
    htmlLang: undefined,
    canonicalHref: undefined,
    meta: new Map(),
    jsonLd: [],
  };
  let sawHtml = false;
  let sawCanonical = false;
  /** What the text of the element open now goes to, if it is one read here. */
  let collecting: 'title' | 'json-ld' | undefined;
  let text = '';
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (name === 'meta') {
          for (const attribute of ['property', 'name'] as const) {
            const value = attributes[attribute];
            if (value === undefined) continue;
            const key = `${attribute}=${value}`;
            if (META_KEYS.has(key) && !tags.meta.has(key)) tags.meta.set(key, attributes.content);
          }
        } else if (name === 'link') {
          if (!sawCanonical && hasWord(attributes.rel, 'canonical')) {
            sawCanonical = true;
            tags.canonicalHref = attributes.href;
          }
        } else if (name === 'html') {
          if (!sawHtml) {
            sawHtml = true;
            tags.htmlLang = attributes.lang;
          }
        } else if (name === 'title') {
          if (tags.title === undefined) collecting = 'title';
        } else if (name === 'script') {
          if (attributes.type?.toLowerCase() === 'application/ld+json') collecting = 'json-ld';
        }
        text = '';
      },
      ontext(data) {
        if (collecting !== undefined) text += data;
      },
      onclosetag(name) {
        if (collecting === 'title' && name === 'title') tags.title = text;
        else if (collecting === 'json-ld' && name === 'script') tags.jsonLd.push(text);
        else return;
        collecting = undefined;
      },
    },
    { xmlMode: false, decodeEntities: true },
  );
  parser.end(html);
  return tags;
}

/** Whether the whitespace-separated list holds `word`, ignoring case, as css-select's `~=` reads `rel`. */
function hasWord(list: string | undefined, word: string): boolean {
  return list !== undefined && list.split(/\s+/).some((item) => item.toLowerCase() === word);
}

function clean(value: string | undefined): string | undefined {
  const collapsed = value?.replace(/\s+/g, ' ').trim();
  return collapsed ? collapsed : undefined;
}

/** The first datePublished in the page's JSON-LD blocks (objects, arrays and @graph alike). */
function jsonLdDatePublished(blocks: readonly string[]): string | undefined {
  for (const block of blocks) {
    let data: unknown;
    try {
      data = JSON.parse(block);
    } catch {
      continue; // publishers ship broken JSON-LD often enough; the page is still worth its other tags
    }
    const pending: unknown[] = [data];
    while (pending.length > 0) {
      const item = pending.pop();
      if (Array.isArray(item)) pending.push(...(item as unknown[]));
      else if (item !== null && typeof item === 'object') {
        const record = item as Record<string, unknown>;
        if (typeof record.datePublished === 'string' && record.datePublished.trim()) return record.datePublished.trim();
        if (record['@graph'] !== undefined) pending.push(record['@graph']);
      }
    }
  }
  return undefined;
}
