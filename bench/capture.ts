// Capture throughput: 1,000 citations (posts and pages) through the whole pipeline
// against the fake upstream, run as a process of its own with 50 ms added to every
// response, as the real services' latency would be.
//
//   npm run bench:capture -- [--documents N] [--concurrency N] [--latency-ms N]
//
// The concurrency in use is a cap on requests in flight at once, over all hosts,
// given to the pipeline through its HostGate port; documents are fed in faster than
// that cap lets them finish, so the network slots, not the supply of work, are the
// limit. The ideal time is then requests x latency / concurrency, and the ratio to it
// says how much of the run the pipeline's own work (parsing, WARC and index writes,
// scheduling) adds. Prints wall time, citations/s, upstream requests made (against
// the requests the corpus needs when every target is fetched once), that ratio and
// peak RSS. Targets: a ratio of at least 0.8, and one upstream request per request
// the unique targets need.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { InProcessHostGate, type HostGate } from '../src/net/index.js';
import { archiveDocument, openPipeline } from '../src/pipeline/index.js';
import { loadSource } from '../src/source.js';

const { values } = parseArgs({
  options: {
    documents: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '32' },
    'latency-ms': { type: 'string', default: '50' },
  },
});
const DOCUMENTS = Number(values.documents);
const CONCURRENCY = Number(values.concurrency);
const LATENCY_MS = Number(values['latency-ms']);
/** The pipeline's default: citations checked at once within one document. */
const PER_DOCUMENT_CONCURRENCY = 8;
const PAGE_HOSTS = 10;

if (!process.env.NODE_EXTRA_CA_CERTS?.endsWith('test/support/tls/ca.pem')) {
  throw new Error('run with NODE_EXTRA_CA_CERTS=test/support/tls/ca.pem (npm run bench:capture does)');
}

/**
 * Each document cites 5 posts of its own (syndication: one request each), 4 links of
 * its own to news pages (t.co and the page: two requests each), and one post every
 * document cites, which must be fetched once for all of them.
 */
function buildCorpus(): { scenario: unknown; documents: string[]; citations: number; requestsNeeded: number } {
  const posts: unknown[] = [];
  const shortLinks: unknown[] = [];
  const pages: unknown[] = [];
  const documents: string[] = [];
  const popular = '1729000000000900000';
  posts.push({ id: popular, handle: 'popular', name: 'Popular', text: 'Cited by every article' });
  let post = 0;
  let link = 0;
  for (let d = 0; d < DOCUMENTS; d++) {
    const paragraphs: string[] = [`<p>Cited everywhere: <a href="https://twitter.com/popular/status/${popular}">this</a>.</p>`];
    for (let n = 0; n < 5; n++, post++) {
      const id = String(1729000000000100000n + BigInt(post));
      posts.push({ id, handle: `author${post % 50}`, name: `Author ${post % 50}`, text: `Post number ${post}` });
      paragraphs.push(`<p>As <a href="https://x.com/author${post % 50}/status/${id}">posted</a>.</p>`);
    }
    for (let n = 0; n < 4; n++, link++) {
      const code = `bench${link.toString(36)}`;
      const url = `https://news${link % PAGE_HOSTS}.news.test/article-${link}`;
      shortLinks.push({ code, target: url });
      pages.push({ url, body: `<html><head><title>Article ${link}</title><meta property="og:site_name" content="News"></head><body>${'<p>Text.</p>'.repeat(50)}</body></html>` });
      paragraphs.push(`<p>Read <a href="https://t.co/${code}">https://t.co/${code}</a>.</p>`);
    }
    documents.push(`<html><head><title>Document ${d}</title></head><body>${paragraphs.join('\n')}</body></html>`);
  }
  return { scenario: { posts, shortLinks, pages }, documents, citations: DOCUMENTS * 10, requestsNeeded: post + 1 + link * 2 };
}

async function startFakeUpstream(scenarioPath: string): Promise<{ routes: string; httpPort: number; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/fake-upstream/main.ts', '--scenario', scenarioPath, '--latency-ms', String(LATENCY_MS)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const firstLine = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the fake upstream exited with ${code}`)));
  });
  const { routes, httpPort } = JSON.parse(firstLine) as { routes: string; httpPort: number };
  return { routes, httpPort, stop: () => child.kill('SIGTERM') };
}

/** One limit for all hosts together: the bench's "concurrency in use". */
function totalRequestLimit(limit: number): HostGate {
  const gate = new InProcessHostGate({ hostConcurrency: limit });
  return { acquire: (_host, signal) => gate.acquire('every host', signal), slowDown: (host, delayMs) => gate.slowDown(host, delayMs) };
}

async function main(): Promise<void> {
  const corpus = buildCorpus();
  const work = await mkdtemp(join(tmpdir(), 'citesnap-bench-capture-'));
  const scenarioPath = join(work, 'scenario.json');
  await writeFile(scenarioPath, JSON.stringify(corpus.scenario));
  const upstream = await startFakeUpstream(scenarioPath);
  const concurrency = CONCURRENCY;
  const config = loadConfig({ CITESNAP_DATA_DIR: join(work, 'data'), CITESNAP_CONNECT_TO: upstream.routes });
  const pipeline = openPipeline(config, { hostGate: totalRequestLimit(concurrency) });
  // Enough documents at once (each asks for up to 8 slots) that the cap, not the supply of work, binds.
  const parallelDocuments = concurrency;
  try {
    let next = 0;
    let archived = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: parallelDocuments }, async () => {
        while (next < corpus.documents.length) {
          const index = next++;
          const source = await loadSource({ html: corpus.documents[index]!, uri: `bench:${index}` });
          const record = await archiveDocument({ docId: `bench-${index}`, source }, pipeline.ports);
          archived += record.citations.filter((citation) => citation.status === 'archived').length;
        }
      }),
    );
    const wallMs = performance.now() - started;
    const stats = (await (await fetch(`http://127.0.0.1:${upstream.httpPort}/__fake/stats`)).json()) as { requests: number };
    const idealMs = (stats.requests * LATENCY_MS) / concurrency;
    const lines = [
      ['documents', `${DOCUMENTS} (${parallelDocuments} at once, up to ${PER_DOCUMENT_CONCURRENCY} citations at once in each)`],
      ['citations', `${corpus.citations} (${archived} archived)`],
      ['latency per response', `${LATENCY_MS} ms`],
      ['wall time', `${(wallMs / 1000).toFixed(2)} s`],
      ['citations/s', (corpus.citations / (wallMs / 1000)).toFixed(1)],
      ['upstream requests', `${stats.requests} (the unique targets need ${corpus.requestsNeeded})`],
      ['concurrency in use', `${concurrency} requests in flight at most, over all hosts`],
      ['ideal time', `${(idealMs / 1000).toFixed(2)} s (requests x latency / concurrency)`],
      ['ratio to ideal', (idealMs / wallMs).toFixed(2)],
      ['peak RSS', `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`],
    ];
    for (const [label, value] of lines) console.log(`${label!.padEnd(22)} ${value}`);
  } finally {
    await pipeline.close();
    upstream.stop();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
