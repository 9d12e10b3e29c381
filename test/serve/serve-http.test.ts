import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentRecord } from '../../src/model/index.js';
import { openDataDirStore } from '../../src/record/data-dir-store.js';
import { CITY_ID, DGSN_ID, SUDINFO_ID } from '../support/example-posts.js';
import { runCli } from '../support/run-cli.js';
import {
  EXAMPLE_DOC_ID,
  HOSTILE_DOC_ID,
  HOSTILE_POST_ID,
  startServedArchive,
  type ServedArchive,
} from '../support/served-archive.js';
import { expectDigestsHold, readWacz } from '../support/wacz.js';

/** One request as written on the wire, path and all, so nothing on the client side tidies it first. */
async function rawGet(
  url: string,
  path: string,
  host?: string,
): Promise<{ status: number; head: string; body: string }> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    socket.once('end', resolve);
    socket.once('error', reject);
  });
  socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host ?? `${hostname}:${port}`}\r\nConnection: close\r\n\r\n`);
  await ended;
  const text = Buffer.concat(chunks).toString('latin1');
  const split = text.indexOf('\r\n\r\n');
  const head = text.slice(0, split);
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), head, body: text.slice(split + 4) };
}

describe('citesnap serve over HTTP', () => {
  let served: ServedArchive;
  let example: DocumentRecord;

  beforeAll(async () => {
    served = await startServedArchive();
    example = JSON.parse(
      await readFile(join(served.dataDir, 'documents', `${EXAMPLE_DOC_ID}.json`), 'utf8'),
    ) as DocumentRecord;
    // Two CLI archive runs and a server process, each a process of its own, on a shared 2-core machine.
  }, 120_000);

  afterAll(async () => {
    // SIGTERM is how a user stops it: a clean exit.
    expect(await served?.close()).toBe(0);
  });

  it('listens on 127.0.0.1 unless told otherwise', () => {
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('lists the documents newest first, each with its title and its counts by status', async () => {
    const response = await fetch(served.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await response.text();
    const hostileAt = html.indexOf(`/documents/${HOSTILE_DOC_ID}"`);
    const exampleAt = html.indexOf(`/documents/${EXAMPLE_DOC_ID}"`);
    expect(hostileAt).toBeGreaterThan(-1);
    expect(exampleAt).toBeGreaterThan(hostileAt);
    // The hostile title is shown as text.
    expect(html).toContain('A &lt;hostile&gt; article');
    const archived = example.citations.filter((citation) => citation.status === 'archived').length;
    expect(html).toContain(`${archived} archived`);
  });

  it('shows a document archived while it runs at the top of the list', async () => {
    expect(await (await fetch(served.url)).text()).not.toContain('/documents/later"');
    await openDataDirStore({ dataDir: served.dataDir }).documents.write({
      ...example,
      docId: 'later',
      processedAt: new Date(Date.now() + 60_000).toISOString(),
    });
    const html = await (await fetch(served.url)).text();
    expect(html.indexOf('/documents/later"')).toBeGreaterThan(-1);
    expect(html.indexOf('/documents/later"')).toBeLessThan(html.indexOf(`/documents/${HOSTILE_DOC_ID}"`));
    expect(html).toContain('3 documents, newest first');
  });

  it('refuses a page number that is not one', async () => {
    expect((await fetch(`${served.url}?page=0`)).status).toBe(400);
    expect((await fetch(`${served.url}?page=abc`)).status).toBe(400);
    expect((await fetch(`${served.url}?page=9`)).status).toBe(404);
  });

  it('shows a document: its posts as archived, its links, its checks, the article with its occurrences marked', async () => {
    const response = await fetch(`${served.url}documents/${EXAMPLE_DOC_ID}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await response.text();
    for (const [id, handle] of [
      [DGSN_ID, 'DGSN_MAROC'],
      [SUDINFO_ID, 'sudinfo_be'],
      [CITY_ID, 'city_bruxelles'],
    ]) {
      expect(html).toContain(`data-citation-id="post:${id}"`);
      expect(html).toContain(`@${handle}`);
    }
    // In the article's order.
    const order = example.citations.map((citation) => html.indexOf(`data-citation-id="${citation.id}"`));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(html).toContain('توقيف مستخدم في مركز للنداء');
    const dgsnIndex = example.citations.findIndex((citation) => citation.id === `post:${DGSN_ID}`);
    expect(html).toContain(`src="/documents/${EXAMPLE_DOC_ID}/photos/${dgsnIndex}/0"`);
    expect(html).toContain('Alerte à la bombe dans 27 écoles');
    expect(html).toContain('https://sudinfo.example.com/alerte-a-la-bombe');
    expect(html).toMatch(/<ol class="timeline small">\s*<li class="status-archived"><time datetime="/);
    // Every occurrence of every citation is marked in the article text.
    const occurrences = example.citations.reduce((sum, citation) => sum + citation.occurrences.length, 0);
    expect(html.match(/<mark class="status-[a-z]+" id="c\d+-o\d+">/g)).toHaveLength(occurrences);
    expect(html).toContain(`href="/documents/${EXAMPLE_DOC_ID}.wacz"`);
    expect(html).toContain(`href="/documents/${EXAMPLE_DOC_ID}/replay"`);
    // No script of any kind on the page.
    expect(html).not.toMatch(/<script/i);
  });

  it('serves a post photo out of the WARC files, as the image it was', async () => {
    const dgsnIndex = example.citations.findIndex((citation) => citation.id === `post:${DGSN_ID}`);
    const capture = example.citations[dgsnIndex]?.post?.media[0]?.capture;
    const response = await fetch(`${served.url}documents/${EXAMPLE_DOC_ID}/photos/${dgsnIndex}/0`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(capture?.sha256);
    expect((await fetch(`${served.url}documents/${EXAMPLE_DOC_ID}/photos/${dgsnIndex}/7`)).status).toBe(404);
  });

  it('shows archived markup as text: a post holding <script> runs nothing', async () => {
    const html = await (await fetch(`${served.url}documents/${HOSTILE_DOC_ID}`)).text();
    expect(html).toContain('&lt;script&gt;document.title=&quot;pwned&quot;;window.pwned=1&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=&quot;window.pwned=2&quot;&gt; &amp;amp; more');
    expect(html).toContain('&lt;b onmouseover=&quot;window.pwned=3&quot;&gt;Mallory&lt;/b&gt;');
    expect(html).not.toMatch(/<script|<img src=x|<b onmouseover/i);
    expect(html).toContain(`data-citation-id="post:${HOSTILE_POST_ID}"`);
  });

  it('shows each occurrence in its context for a record whose article text was not kept', async () => {
    const hostile = JSON.parse(
      await readFile(join(served.dataDir, 'documents', `${HOSTILE_DOC_ID}.json`), 'utf8'),
    ) as DocumentRecord;
    // As a data dir archived before citesnap kept the texts.
    await rm(join(served.dataDir, 'sources', `${hostile.source.sha256}.txt`));
    const html = await (await fetch(`${served.url}documents/${HOSTILE_DOC_ID}`)).text();
    expect(html).toContain('each occurrence in its context');
    // A link's context is its paragraph's text; its href follows it, marked.
    expect(html).toContain(
      `<li id="c1-o1"><a href="#c1">post link</a>: It said this.<mark class="status-archived"> https://twitter.com/mallory/status/${HOSTILE_POST_ID}</mark></li>`,
    );
  });

  it('serves the record as stored, byte for byte', async () => {
    const response = await fetch(`${served.url}documents/${EXAMPLE_DOC_ID}.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.text()).toBe(
      await readFile(join(served.dataDir, 'documents', `${EXAMPLE_DOC_ID}.json`), 'utf8'),
    );
  });

  it('serves the WACZ of the export, by byte range as ReplayWeb.page reads it', async () => {
    const response = await fetch(`${served.url}documents/${EXAMPLE_DOC_ID}.wacz`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="${EXAMPLE_DOC_ID}.wacz"`);
    const wacz = Buffer.from(await response.arrayBuffer());
    const entries = await readWacz(wacz);
    expect(expectDigestsHold(entries).wacz_version).toBe('1.1.1');
    const range = await fetch(`${served.url}documents/${EXAMPLE_DOC_ID}.wacz`, { headers: { Range: 'bytes=0-3' } });
    expect(range.status).toBe(206);
    expect(Buffer.from(await range.arrayBuffer())).toEqual(wacz.subarray(0, 4));
  });

  it('serves ReplayWeb.page from its own package, and a replay page that opens the WACZ', async () => {
    for (const asset of ['ui.js', 'sw.js']) {
      const response = await fetch(`${served.url}replay/${asset}`);
      expect(response.status, asset).toBe(200);
      expect(response.headers.get('content-type'), asset).toMatch(/javascript/);
      expect(Number(response.headers.get('content-length')), asset).toBeGreaterThan(100_000);
    }
    const html = await (await fetch(`${served.url}documents/${EXAMPLE_DOC_ID}/replay`)).text();
    expect(html).toContain('<script src="/replay/ui.js"></script>');
    expect(html).toContain(`<replay-web-page source="/documents/${EXAMPLE_DOC_ID}.wacz" replaybase="/replay/"`);
    expect(html).not.toMatch(/https?:\/\/(?!sudinfo\.example\.com)/);
  });

  it('answers an unknown doc id with a 404 page', async () => {
    for (const path of [
      'documents/nobody',
      'documents/nobody.json',
      'documents/nobody.wacz',
      'documents/nobody/replay',
    ]) {
      const response = await fetch(`${served.url}${path}`);
      expect(response.status, path).toBe(404);
      expect(response.headers.get('content-type'), path).toBe('text/html; charset=utf-8');
      expect(await response.text(), path).toContain('No such document');
    }
  });

  it('reaches nothing outside the data dir and its own assets, whatever the path says', async () => {
    const attempts = [
      '/../../../../etc/passwd',
      '/documents/../../../../etc/passwd',
      '/documents/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/documents/..%2f..%2f..%2f..%2fetc%2fpasswd',
      '/documents/%2e%2e%2f%2e%2e%2fpackage.json',
      `/documents/${EXAMPLE_DOC_ID}%2f..%2f..%2fsources`,
      `/documents/..%2fdocuments%2f${EXAMPLE_DOC_ID}.json`,
      '/documents/..%5c..%5cpackage.json',
      '/documents/..\\..\\package.json',
      `/documents/${EXAMPLE_DOC_ID}%00.json`,
      `/documents/${EXAMPLE_DOC_ID}.json%00`,
      `/documents/${EXAMPLE_DOC_ID}.json%00.html`,
      '/replay/../package.json',
      '/replay/..%2f..%2fpackage.json',
      '/replay/%2e%2e/%2e%2e/package.json',
      '/replay/sw.js/../../package.json',
      '/assets/../package.json',
      '/assets/%2e%2e%2fcitesnap.css',
      '//etc/passwd',
      '/documents/%00',
      '/documents/.json',
      `/documents/${EXAMPLE_DOC_ID}/photos/0/0/../../../../../package.json`,
      `/documents/${EXAMPLE_DOC_ID}/photos/-1/0`,
      'http://127.0.0.1/../../etc/passwd',
      '*',
    ];
    const packageJson = await readFile(new URL('../../package.json', import.meta.url), 'utf8');
    for (const path of attempts) {
      const { status, body } = await rawGet(served.url, path);
      expect([400, 404], path).toContain(status);
      expect(body, path).not.toContain('root:x:0:0');
      expect(body, path).not.toContain('"schemaVersion"');
      expect(body, path).not.toContain(packageJson.slice(0, 40));
    }
    // A literal NUL in the request line is refused by Node's own parser before any route.
    const nul = await rawGet(served.url, `/documents/${EXAMPLE_DOC_ID}\u0000.json`);
    expect(nul.status).toBe(400);
    expect(nul.body).not.toContain('"schemaVersion"');
  });

  it('answers only its own loopback names, so a rebound DNS name cannot read the archive', async () => {
    expect((await rawGet(served.url, '/', 'attacker.example')).status).toBe(421);
    expect((await rawGet(served.url, '/', `localhost:${new URL(served.url).port}`)).status).toBe(200);
  });

  it('is read-only', async () => {
    const response = await fetch(`${served.url}documents/${EXAMPLE_DOC_ID}.json`, { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
  });

  it('refuses a bad port with exit 2 and a line saying what is expected', async () => {
    const result = await runCli(['serve', '--port', '70000', '--data-dir', served.dataDir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('citesnap: CITESNAP_SERVE_PORT: expected a port from 0 to 65535, got 70000\n');
  });
});
