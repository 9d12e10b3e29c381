import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CITY_ID, DGSN_ID, SUDINFO_ID } from '../support/example-posts.js';
import {
  EXAMPLE_DOC_ID,
  HOSTILE_DOC_ID,
  HOSTILE_NAME,
  HOSTILE_POST_ID,
  startServedArchive,
  type ServedArchive,
} from '../support/served-archive.js';

// The pages as a person sees them, in headless Chromium: Debian's own build
// (`apt-get install chromium`; .ci/run installs it when missing), driven by
// playwright-core, which never downloads a browser of its own.

const CHROMIUM = '/usr/bin/chromium';

// What the functions run in the page use of the DOM (the project's types have no DOM library).
declare function getComputedStyle(element: unknown): { backgroundColor: string };
declare const window: { pwned?: number };
interface ImageElement {
  complete: boolean;
  naturalWidth: number;
}
/** Screenshots of the run, kept as test artifacts (git-ignored). */
const ARTIFACTS = fileURLToPath(new URL('../../test-results/serve/', import.meta.url));

describe('citesnap serve in a browser', () => {
  let served: ServedArchive;
  let browser: Browser;
  let context: BrowserContext;
  /** Every request a page made to anywhere but the server: a CDN, a font host. */
  const elsewhere: string[] = [];
  /** What the browser's console reported: CSP violations and script errors end up here. */
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; .ci/run does)`);
    served = await startServedArchive();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const origin = new URL(served.url).origin;
    context.on('request', (request) => {
      if (!request.url().startsWith(origin) && !/^(data|blob):/.test(request.url())) elsewhere.push(request.url());
    });
    await mkdir(ARTIFACTS, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    expect(await served?.close()).toBe(0);
  });

  async function open(path: string): Promise<Page> {
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(`${path}: ${message.text()}`);
    });
    page.on('pageerror', (error) => consoleErrors.push(`${path}: ${error.message}`));
    await page.goto(new URL(path, served.url).href, { waitUntil: 'load' });
    return page;
  }

  it('shows the example article: its three posts with their statuses and photos, and the article marked', async () => {
    const page = await open(`/documents/${EXAMPLE_DOC_ID}`);
    for (const [id, handle] of [
      [DGSN_ID, 'DGSN_MAROC'],
      [SUDINFO_ID, 'sudinfo_be'],
      [CITY_ID, 'city_bruxelles'],
    ]) {
      const post = page.locator(`li.citation[data-citation-id="post:${id}"]`);
      await expect.poll(() => post.isVisible()).toBe(true);
      expect(await post.locator('.citation-head .badge').textContent()).toBe('archived');
      // The status's colour, not only its word.
      expect(
        await post.locator('.citation-head .badge').evaluate((badge) => getComputedStyle(badge).backgroundColor),
      ).toBe('rgb(31, 122, 58)');
      expect(await post.locator('.handle').textContent()).toBe(`@${handle}`);
      expect((await post.locator('.post-text').textContent())?.length).toBeGreaterThan(40);
    }
    // The DGSN post's photo, read out of the WARC files, decoded and drawn.
    const photo = page.locator(`li.citation[data-citation-id="post:${DGSN_ID}"] .photos img`);
    await expect
      .poll(() => photo.evaluate((image: ImageElement) => (image.complete ? image.naturalWidth : 0)))
      .toBeGreaterThan(0);
    expect(await page.locator('.article-text mark').count()).toBeGreaterThanOrEqual(3);
    await page.screenshot({ path: `${ARTIFACTS}document-page.png`, fullPage: true });
    await page.close();
  }, 60_000);

  it('shows a post that holds <script> as text, and runs nothing of it', async () => {
    const page = await open(`/documents/${HOSTILE_DOC_ID}`);
    const post = page.locator(`li.citation[data-citation-id="post:${HOSTILE_POST_ID}"]`);
    expect(await post.locator('.post-text').textContent()).toContain(
      '<script>document.title="pwned";window.pwned=1</script>',
    );
    expect(await post.locator('.author strong').textContent()).toBe(HOSTILE_NAME);
    await post.locator('.author strong').hover();
    expect(await page.evaluate(() => window.pwned)).toBeUndefined();
    expect(await page.title()).not.toBe('pwned');
    expect(await page.locator('script').count()).toBe(0);
    await page.screenshot({ path: `${ARTIFACTS}hostile-post.png`, fullPage: true });
    await page.close();
  }, 60_000);

  it('replays the WACZ with ReplayWeb.page served by citesnap itself, nothing from elsewhere', async () => {
    const page = await open(`/documents/${EXAMPLE_DOC_ID}/replay`);
    // The captured page, replayed in ReplayWeb.page's frame from the WACZ by its service worker.
    let replayed: string | undefined;
    await expect
      .poll(
        async () => {
          for (const frame of page.frames()) {
            if (!/mp_\/https:\/\/sudinfo\.example\.com\/alerte-a-la-bombe/.test(frame.url())) continue;
            replayed = await frame.title().catch(() => undefined);
            if (replayed) return replayed;
          }
          return undefined;
        },
        { timeout: 90_000, interval: 500 },
      )
      .toBe('Alerte | Sudinfo');
    await page.screenshot({ path: `${ARTIFACTS}replay.png` });
    await page.close();
    expect(elsewhere).toEqual([]);
  }, 120_000);

  it('breaks none of its own Content-Security-Policy on the way', () => {
    expect(consoleErrors.filter((line) => /Content Security Policy/i.test(line))).toEqual([]);
  });
});
