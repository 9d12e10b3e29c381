import type { CheerioAPI } from 'cheerio';
import { loadHtml } from '../html.js';
import { absoluteUrl } from '../url.js';
import type { Page } from '../model/index.js';

/**
 * Reads a page's metadata from its decoded HTML: what a citation list needs to
 * show the page after it is gone. Open Graph wins over the plain tags because it
 * is what publishers curate for sharing; JSON-LD fills the published time where
 * `article:published_time` is missing.
 */
export function readPageMetadata(html: string, pageUrl: string): Page {
  const $ = loadHtml(html);
  const meta = (selector: string): string | undefined => clean($(selector).first().attr('content'));
  const absolute = (value: string | undefined): string | undefined =>
    value === undefined ? undefined : absoluteUrl(value, pageUrl);

  const page: Page = {};
  const title = meta('meta[property="og:title"]') ?? clean($('title').first().text());
  const description = meta('meta[property="og:description"]') ?? meta('meta[name="description"]');
  const siteName = meta('meta[property="og:site_name"]');
  const canonicalUrl = absolute(
    clean($('link[rel~="canonical"]').first().attr('href')) ?? meta('meta[property="og:url"]'),
  );
  const publishedAt = meta('meta[property="article:published_time"]') ?? jsonLdDatePublished($);
  const lang = clean($('html').first().attr('lang'));
  const image = absolute(meta('meta[property="og:image"]') ?? meta('meta[name="twitter:image"]'));
  if (title !== undefined) page.title = title;
  if (description !== undefined) page.description = description;
  if (siteName !== undefined) page.siteName = siteName;
  if (canonicalUrl !== undefined) page.canonicalUrl = canonicalUrl;
  if (publishedAt !== undefined) page.publishedAt = publishedAt;
  if (lang !== undefined) page.lang = lang;
  if (image !== undefined) page.image = image;
  return page;
}

function clean(value: string | undefined): string | undefined {
  const collapsed = value?.replace(/\s+/g, ' ').trim();
  return collapsed ? collapsed : undefined;
}

/** The first datePublished in the page's JSON-LD blocks (objects, arrays and @graph alike). */
function jsonLdDatePublished($: CheerioAPI): string | undefined {
  for (const element of $('script[type="application/ld+json"]').toArray()) {
    let data: unknown;
    try {
      data = JSON.parse($(element).text());
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
