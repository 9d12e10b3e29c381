// The corpus bench/capture and bench/archive share, and the fake upstream they run it
// against (a process of its own, so its CPU is not the pipeline's).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Pages are spread over this many news hosts. */
export const PAGE_HOSTS = 10;

export interface Corpus {
  /** The fake upstream's scenario (posts, short links, pages). */
  scenario: { posts: unknown[]; shortLinks: unknown[]; pages: unknown[] };
  /** One HTML article a document. */
  documents: string[];
  citations: number;
  /** Upstream requests the corpus needs when every target is fetched once. */
  requestsNeeded: number;
}

/**
 * `documents` articles. Each cites 5 posts of its own (syndication: one request each),
 * 4 links of its own to news pages (t.co and the page: two requests each), and one post
 * every document of the corpus cites, which must be fetched once for all of them. `tag`
 * keeps the targets of two corpora (a warm-up and the measured one) apart.
 */
export function buildCorpus(documentCount: number, tag = 0): Corpus {
  const posts: unknown[] = [];
  const shortLinks: unknown[] = [];
  const pages: unknown[] = [];
  const documents: string[] = [];
  const base = 1729000000000100000n + BigInt(tag) * 10_000_000n;
  const popular = String(base + 9_000_000n);
  posts.push({ id: popular, handle: 'popular', name: 'Popular', text: 'Cited by every article' });
  let post = 0;
  let link = 0;
  for (let d = 0; d < documentCount; d++) {
    const paragraphs: string[] = [
      `<p>Cited everywhere: <a href="https://twitter.com/popular/status/${popular}">this</a>.</p>`,
    ];
    for (let n = 0; n < 5; n++, post++) {
      const id = String(base + BigInt(post));
      posts.push({ id, handle: `author${post % 50}`, name: `Author ${post % 50}`, text: `Post number ${post}` });
      paragraphs.push(`<p>As <a href="https://x.com/author${post % 50}/status/${id}">posted</a>.</p>`);
    }
    for (let n = 0; n < 4; n++, link++) {
      const code = `b${tag}x${link.toString(36)}`;
      const url = `https://news${link % PAGE_HOSTS}.news.test/${tag}/article-${link}`;
      shortLinks.push({ code, target: url });
      pages.push({
        url,
        body: `<html><head><title>Article ${link}</title><meta property="og:site_name" content="News"></head><body>${'<p>Text.</p>'.repeat(50)}</body></html>`,
      });
      paragraphs.push(`<p>Read <a href="https://t.co/${code}">https://t.co/${code}</a>.</p>`);
    }
    documents.push(`<html><head><title>Document ${d}</title></head><body>${paragraphs.join('\n')}</body></html>`);
  }
  return {
    scenario: { posts, shortLinks, pages },
    documents,
    citations: documentCount * 10,
    requestsNeeded: post + 1 + link * 2,
  };
}

/** Merges corpora into one scenario for one fake upstream. */
export function mergedScenario(corpora: readonly Corpus[]): Corpus['scenario'] {
  return {
    posts: corpora.flatMap((corpus) => corpus.scenario.posts),
    shortLinks: corpora.flatMap((corpus) => corpus.scenario.shortLinks),
    pages: corpora.flatMap((corpus) => corpus.scenario.pages),
  };
}

export interface RunningFakeUpstream {
  routes: string;
  httpPort: number;
  /** Its process id, to read its CPU time. */
  pid: number;
  /** Requests so far, in all and by host. */
  stats(): Promise<{ requests: number; hosts: Record<string, { requests: number }> }>;
  /** Stops it; resolves once it has exited (and been reaped, so its CPU time is counted before the next run's). */
  stop(): Promise<void>;
}

export async function startFakeUpstream(scenarioPath: string, latencyMs: number): Promise<RunningFakeUpstream> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'test/support/fake-upstream/main.ts',
      '--scenario',
      scenarioPath,
      '--latency-ms',
      String(latencyMs),
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const firstLine = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the fake upstream exited with ${code}`)));
  });
  const { routes, httpPort } = JSON.parse(firstLine) as { routes: string; httpPort: number };
  if (child.pid === undefined) throw new Error('the fake upstream did not start');
  return {
    routes,
    httpPort,
    pid: child.pid,
    stats: async () =>
      (await (await fetch(`http://127.0.0.1:${httpPort}/__fake/stats`)).json()) as {
        requests: number;
        hosts: Record<string, { requests: number }>;
      },
    stop: () => {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      return exited;
    },
  };
}
