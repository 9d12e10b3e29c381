import { describe, expect, it } from 'vitest';
import { readPageMetadata } from '../../src/capture/page-metadata.js';
import { rawSnapshotUrl } from '../../src/capture/wayback.js';

describe('readPageMetadata', () => {
  it('reads Open Graph, canonical, language and JSON-LD', () => {
    const html = `<!doctype html><html lang="fr-BE"><head>
      <title>Alerte à la bombe | Le Soir</title>
      <meta property="og:title" content="  Alerte à la bombe dans 27 écoles  ">
      <meta property="og:description" content="Une demande de rançon.">
      <meta property="og:site_name" content="Le Soir">
      <meta property="og:image" content="/img/a.jpg">
      <link rel="canonical" href="/article/552631">
      <script type="application/ld+json">{broken</script>
      <script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebPage"},{"@type":"NewsArticle","datePublished":"2023-11-27T08:30:00+01:00"}]}</script>
    </head><body></body></html>`;
    expect(readPageMetadata(html, 'https://www.lesoir.example.com/article/552631?utm=x')).toEqual({
      title: 'Alerte à la bombe dans 27 écoles',
      description: 'Une demande de rançon.',
      siteName: 'Le Soir',
      canonicalUrl: 'https://www.lesoir.example.com/article/552631',
      publishedAt: '2023-11-27T08:30:00+01:00',
      lang: 'fr-BE',
      image: 'https://www.lesoir.example.com/img/a.jpg',
    });
  });

  it('falls back to <title> and article:published_time', () => {
    const html =
      '<html><head><title>\n  Plain  title </title><meta property="article:published_time" content="2023-11-27"></head></html>';
    expect(readPageMetadata(html, 'https://example.com/')).toEqual({ title: 'Plain title', publishedAt: '2023-11-27' });
  });

  it('takes the first tag of each kind, reads rel and type as HTML does, and property exactly', () => {
    const html = `<html LANG="nl"><head>
      <link rel="Alternate CANONICAL" href="/first"><link rel="canonical" href="/second">
      <meta property="OG:title" content="not Open Graph: property is compared exactly">
      <meta property="og:title"><meta property="og:title" content="a later og:title is not read">
      <title>De &amp; titel</title><title>second title</title>
      <script type="Application/LD+JSON">[{"@type":"WebPage"},{"@graph":{"datePublished":" 2024-02-03 "}}]</script>
    </head><body><meta name="description" content="in the body"><html lang="en"></body></html>`;
    expect(readPageMetadata(html, 'https://example.com/a/b')).toEqual({
      title: 'De & titel',
      description: 'in the body',
      canonicalUrl: 'https://example.com/first',
      publishedAt: '2024-02-03',
      lang: 'nl',
    });
  });

  it('reads nothing from nothing', () => {
    expect(readPageMetadata('', 'https://example.com/')).toEqual({});
  });
});

describe('rawSnapshotUrl', () => {
  it.each([
    [
      'http://web.archive.org/web/20231128120000/https://twitter.com/a/status/1',
      '20231128120000',
      'https://web.archive.org/web/20231128120000id_/https://twitter.com/a/status/1',
    ],
    [
      'https://web.archive.org/web/20231128120000im_/https://x.com/a/status/1',
      undefined,
      'https://web.archive.org/web/20231128120000id_/https://x.com/a/status/1',
    ],
    ['https://example.com/web/1/x', undefined, undefined],
  ])('%s -> %s', (url, timestamp, expected) => {
    expect(rawSnapshotUrl(url, timestamp)).toBe(expected);
  });
});
