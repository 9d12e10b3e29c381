import { describe, expect, it } from 'vitest';
import { findPageRedirect } from '../../src/resolve/redirect-page.js';
import { normalizeCitedUrl, unwrapUnsafeLinkWarning } from '../../src/resolve/resolve-link.js';

describe('findPageRedirect', () => {
  const target = 'https://twitter.com/DGSN_MAROC/status/1729555061938819317/photo/1';
  const escaped = target.replace(/\//g, '\\/');

  it('reads the t.co browser page with a <head>', () => {
    const html = `<head><noscript><META http-equiv="refresh" content="0;URL=${target}"></noscript><title>${target}</title></head><script>window.opener = null; location.replace("${escaped}")</script>`;
    expect(findPageRedirect(html, 'https://t.co/rdI6rg3QRE')).toEqual({ url: target, via: 'meta-refresh' });
  });

  it('reads the t.co browser page without a <head>', () => {
    const html = `<noscript><META http-equiv="refresh" content="0;URL=${target}"></noscript><script>location.replace("${escaped}")</script>`;
    expect(findPageRedirect(html, 'https://t.co/rdI6rg3QRE')).toEqual({ url: target, via: 'meta-refresh' });
  });

  it('falls back to the script form', () => {
    expect(findPageRedirect(`<script>location.replace("${escaped}")</script>`, 'https://t.co/x')).toEqual({
      url: target,
      via: 'script',
    });
    expect(
      findPageRedirect(`<script>window.location.href = '/next?a=1\\u0026b=2'</script>`, 'https://example.com/x'),
    ).toEqual({
      url: 'https://example.com/next?a=1&b=2',
      via: 'script',
    });
  });

  it.each([
    ['a page that reloads itself later', '<meta http-equiv="refresh" content="300">'],
    ['a delayed refresh elsewhere', '<meta http-equiv="refresh" content="5;url=https://example.com/">'],
    ['an ordinary page', '<html><head><title>News</title></head><body><p>Hello</p></body></html>'],
    ['a refresh without target', '<meta http-equiv="refresh" content="0">'],
  ])('ignores %s', (_name, html) => {
    expect(findPageRedirect(html, 'https://example.com/')).toBeUndefined();
  });

  it('does not scan a full article', () => {
    const html = `<meta http-equiv="refresh" content="0;url=https://example.com/">${'<p>x</p>'.repeat(20_000)}`;
    expect(findPageRedirect(html, 'https://example.com/')).toBeUndefined();
  });
});

describe('cited URL forms', () => {
  it.each([
    ['pic.twitter.com/rdI6rg3QRE', 'https://t.co/rdI6rg3QRE'],
    ['https://pic.twitter.com/rdI6rg3QRE', 'https://t.co/rdI6rg3QRE'],
    ['t.co/Q558GooFYF', 'https://t.co/Q558GooFYF'],
    ['http://t.co/Q558GooFYF?amp=1', 'http://t.co/Q558GooFYF?amp=1'],
  ])('%s resolves as %s', (cited, url) => {
    expect(normalizeCitedUrl(cited)).toBe(url);
  });

  it('unwraps unsafe_link_warning', () => {
    expect(
      unwrapUnsafeLinkWarning(
        'https://twitter.com/safety/unsafe_link_warning?unsafe_link=https%3A%2F%2Fexample.com%2Fa%3Fb%3D1',
      ),
    ).toBe('https://example.com/a?b=1');
    expect(unwrapUnsafeLinkWarning('https://twitter.com/safety/unsafe_link_warning?unsafe_link=not%20a%20url')).toBe(
      'https://twitter.com/safety/unsafe_link_warning?unsafe_link=not%20a%20url',
    );
    expect(
      unwrapUnsafeLinkWarning('https://example.com/safety/unsafe_link_warning?unsafe_link=https://a.example.com/'),
    ).toBe('https://example.com/safety/unsafe_link_warning?unsafe_link=https://a.example.com/');
  });
});
