// Residue recovery: how a set of residues (posts an article kept only as text) over
// several accounts and days becomes posts through the Wayback CDX lookup (contract 6a),
// against the fake upstream in this process with a latency added to every response.
//
//   npm run bench:recovery -- [--accounts N] [--days N] [--latency-ms N]
//
// Each account posts 8 times a day on the same subject (one hashtag, shared words);
// articles quote two of those posts a day as residue: some with a t.co link to a page
// (decisive), some as text alone (decided by the text among the day's posts), some
// cut short with an ellipsis, some with one word changed, some of a post since deleted that only the Wayback
// Machine keeps; and one account the CDX has never seen. Four residues to a document,
// from different accounts and days, so that documents share lookups as real ones do.
// Prints requests per residue (CDX, and what the candidates cost), the identification
// rate (and any post identified wrongly, which must be none), and the time.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { archiveDocument, openPipeline } from '../src/pipeline/index.js';
import { loadSource } from '../src/source.js';
import { FakeUpstream } from '../test/support/fake-upstream/fake-upstream.js';
import { snowflakeIdAt } from '../test/support/fake-upstream/post-model.js';

const { values } = parseArgs({
  options: {
    accounts: { type: 'string', default: '12' },
    days: { type: 'string', default: '5' },
    'latency-ms': { type: 'string', default: '50' },
  },
});
const ACCOUNTS = Number(values.accounts);
const DAYS = Number(values.days);
const LATENCY_MS = Number(values['latency-ms']);
const POSTS_A_DAY = 8;
const RESIDUES_A_DOCUMENT = 4;

if (!process.env.NODE_EXTRA_CA_CERTS?.endsWith('test/support/tls/ca.pem')) {
  throw new Error('run with NODE_EXTRA_CA_CERTS=test/support/tls/ca.pem (npm run bench:recovery does)');
}

/** A fixed pseudo-random sequence, so every run measures the same corpus. */
function randomSequence(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

const SUBJECT_WORDS = [
  'arrest',
  'city',
  'police',
  'operation',
  'suspects',
  'fraud',
  'network',
  'search',
  'seized',
  'investigation',
];
const OTHER_WORDS = [
  'morning',
  'harbour',
  'station',
  'vehicles',
  'documents',
  'cash',
  'phones',
  'warehouse',
  'district',
  'border',
  'checkpoint',
  'market',
  'tonight',
  'bank',
  'cards',
  'school',
  'hotel',
  'airport',
  'customs',
  'cargo',
  'drugs',
  'weapons',
  'court',
  'prosecutor',
  'witness',
];

type ResidueKind = 'link' | 'text' | 'cut short' | 'one word changed' | 'deleted' | 'unknown account';

interface Residue {
  kind: ResidueKind;
  /** The post it quotes; undefined for the account the CDX does not know. */
  expectedId: string | undefined;
  passage: string;
}

function buildCorpus(upstream: FakeUpstream): Residue[] {
  const random = randomSequence(42);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const residues: Residue[] = [];
  let sequence = 0;
  let linkNumber = 0;
  for (let account = 0; account < ACCOUNTS; account++) {
    const handle = `agency${account}`;
    const name = `Agency ${account}`;
    for (let day = 0; day < DAYS; day++) {
      const date = new Date(Date.UTC(2024, 2, 4 + day));
      const printedDate = date.toLocaleDateString('en-US', {
        month: 'long',
        day: 'numeric',
        year: 'numeric',
        timeZone: 'UTC',
      });
      const posts: { id: string; text: string; link?: string }[] = [];
      for (let n = 0; n < POSTS_A_DAY; n++) {
        const at = new Date(date.getTime() + (6 + n * 2) * 3600_000 + Math.floor(random() * 3600_000));
        const id = snowflakeIdAt(at.toISOString(), sequence++ % 4096);
        const words = [
          `#agency${account}`,
          ...Array.from({ length: 14 }, () => (random() < 0.4 ? pick(SUBJECT_WORDS) : pick(OTHER_WORDS))),
        ];
        const text = `${words.join(' ')}.`;
        const withLink = n % 3 === 0;
        const link = withLink ? `https://t.co/bench${(linkNumber++).toString(36)}` : undefined;
        upstream.addPost({
          id,
          handle,
          name,
          text,
          ...(link === undefined ? {} : { urls: [{ tco: link, expanded: `https://news.test/story-${id}` }] }),
        });
        if (link !== undefined)
          upstream.addPage(`https://news.test/story-${id}`, { body: `<title>Story ${id}</title>` });
        upstream.addWaybackCopy(id, { timestamp: `${date.toISOString().slice(0, 10).replace(/-/g, '')}230000` });
        posts.push({ id, text, ...(link === undefined ? {} : { link }) });
      }
      const kinds: ResidueKind[] = ['link', 'text', 'cut short', 'one word changed', 'deleted'];
      for (const [index, post] of [posts[0]!, posts[1 + ((account + day) % (POSTS_A_DAY - 1))]!].entries()) {
        const kind = post.link !== undefined && index === 0 ? 'link' : kinds[1 + ((account + day + index) % 4)]!;
        if (kind === 'deleted') upstream.setPostState(post.id, 'deleted');
        const printed =
          kind === 'cut short'
            ? `${post.text.slice(0, Math.floor(post.text.length * 0.7))}…`
            : kind === 'link'
              ? `${post.text} ${post.link ?? ''}`
              : kind === 'one word changed'
                ? post.text.replace(/ (\w+) /, ' misquoted ')
                : post.text;
        residues.push({ kind, expectedId: post.id, passage: `${printed} — ${name} (@${handle}) ${printedDate}` });
      }
    }
  }
  for (let day = 0; day < DAYS; day++) {
    residues.push({
      kind: 'unknown account',
      expectedId: undefined,
      passage: `A post nobody archived, on day ${day}, of an account no crawler saw. — Nobody (@never_archived) March ${4 + day}, 2024`,
    });
  }
  return residues;
}

async function main(): Promise<void> {
  const upstream = await FakeUpstream.start({ latencyMs: LATENCY_MS });
  const residues = buildCorpus(upstream);
  // Documents of four residues each, shuffled so that a lookup serves several documents.
  const order = residues
    .map((_residue, index) => index)
    .sort((a, b) => ((a * 7919) % residues.length) - ((b * 7919) % residues.length));
  const documents: number[][] = [];
  for (let start = 0; start < order.length; start += RESIDUES_A_DOCUMENT)
    documents.push(order.slice(start, start + RESIDUES_A_DOCUMENT));

  const work = await mkdtemp(join(tmpdir(), 'citesnap-bench-recovery-'));
  const config = loadConfig({ CITESNAP_DATA_DIR: join(work, 'data'), CITESNAP_CONNECT_TO: upstream.routes });
  const pipeline = openPipeline(config);
  upstream.requestCount();
  const before = upstream.requests.length;
  try {
    const started = performance.now();
    const found = new Map<number, string | undefined>();
    await Promise.all(
      documents.map(async (members, documentIndex) => {
        const text = members
          .map((index) => `Paragraph before residue ${index}.\n\n${residues[index]!.passage}`)
          .join('\n\n');
        const record = await archiveDocument(
          { docId: `recovery-${documentIndex}`, source: await loadSource({ text, uri: `bench:${documentIndex}` }) },
          pipeline.ports,
        );
        const posts = record.citations.filter(
          (citation) =>
            citation.type === 'post' && citation.occurrences.some((occurrence) => occurrence.form === 'attribution'),
        );
        for (const [position, index] of members.entries()) found.set(index, posts[position]?.post?.id);
      }),
    );
    const wallMs = performance.now() - started;
    const requests = upstream.requests.slice(before);
    const cdx = requests.filter(
      (request) => request.host === 'web.archive.org' && request.path.startsWith('/cdx/'),
    ).length;
    const pages = requests.filter((request) => request.host === 't.co' || request.host === 'news.test').length;
    const candidates = requests.length - cdx - pages;
    const byKind = new Map<ResidueKind, { total: number; right: number; wrong: number }>();
    for (const [index, residue] of residues.entries()) {
      const tally = byKind.get(residue.kind) ?? { total: 0, right: 0, wrong: 0 };
      const id = found.get(index);
      tally.total++;
      if (id !== undefined && id === residue.expectedId) tally.right++;
      else if (id !== undefined) tally.wrong++;
      byKind.set(residue.kind, tally);
    }
    const identifiable = residues.filter((residue) => residue.expectedId !== undefined).length;
    const right = [...byKind.values()].reduce((sum, tally) => sum + tally.right, 0);
    const wrong = [...byKind.values()].reduce((sum, tally) => sum + tally.wrong, 0);
    const lines: [string, string][] = [
      [
        'residues',
        `${residues.length} (${ACCOUNTS} accounts x ${DAYS} days x 2, ${POSTS_A_DAY} posts an account a day; ${DAYS} of an account the CDX does not know), in ${documents.length} documents`,
      ],
      ['latency per response', `${LATENCY_MS} ms`],
      [
        'CDX requests',
        `${cdx} (${(cdx / residues.length).toFixed(2)} a residue; ${ACCOUNTS * DAYS + DAYS} handle-days x 2 URL forms = ${(ACCOUNTS * DAYS + DAYS) * 2})`,
      ],
      [
        'candidate requests',
        `${candidates} (${(candidates / residues.length).toFixed(1)} a residue: syndication, oEmbed, Wayback availability and snapshots)`,
      ],
      ['link requests', `${pages} (the residues' own t.co links and pages)`],
      [
        'identified',
        `${right} of ${identifiable} identifiable (${((100 * right) / identifiable).toFixed(1)}%), ${wrong} wrongly`,
      ],
      ...[...byKind].map(([kind, tally]): [string, string] => [
        `  ${kind}`,
        `${tally.right} of ${tally.total} identified${tally.wrong > 0 ? `, ${tally.wrong} wrongly` : ''}`,
      ]),
      [
        'wall time',
        `${(wallMs / 1000).toFixed(2)} s (${(wallMs / residues.length).toFixed(0)} ms a residue, ${documents.length} documents at once)`,
      ],
    ];
    for (const [label, value] of lines) console.log(`${label.padEnd(22)} ${value}`);
  } finally {
    await pipeline.close();
    await upstream.close();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
