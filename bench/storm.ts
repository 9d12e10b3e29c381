// Workers killed outright, again and again (issue 8), against the fake upstreams:
//
//   npm run bench:storm          (builds first: the workers run the built bin/citesnap.cjs)
//
// Enqueues STORM_DOCS documents (default 200) for STORM_WORKERS `citesnap worker`
// processes (3, each --concurrency 4, every other setting its default), then SIGKILLs
// a random worker every STORM_KILL_EVERY_MS (3000) for STORM_SECONDS (45), starting a
// new one in its place each time. Each document cites two posts of its own (one with
// a photo, also cited as its pic.twitter.com link) and two t.co links to pages of its
// own; every tenth also cites a post shared with the others, so reuse across
// documents is in the storm too. Upstream latency STORM_LATENCY_MS (200) a request.
//
// Prints, first for a calm run of the same corpus (no kills; skip with STORM_CALM=0)
// and then for the storm: documents/s while the workers were being killed (documents
// finished during the storm over its length, or over the time to finish all of them
// when that came first), the time to drain after the last kill, failed jobs, and the
// response records in the WARC files with those stored more than once (the same
// WARC-Target-URI and payload: goal 0). Then one JSON line.
//
// Variables: REDIS_URL, STORM_DOCS, STORM_WORKERS, STORM_KILL_EVERY_MS, STORM_SECONDS,
// STORM_LATENCY_MS, STORM_CALM.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { FakeUpstream, TEST_CA_PATH } from '../test/support/fake-upstream/index.js';
import { countResponseRecords, type ResponseRecordCount } from '../test/support/warc-duplicates.js';
import { spawnTsx, type TestProcess } from '../test/workers/support/processes.js';
import { deleteKeys } from '../test/workers/support/redis.js';
import { redisOptionsFromUrl } from '../workers/connection.js';
import { archiveJobOptions, JOB, openDocumentsQueue, QUEUE } from '../workers/queues.js';

const number = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const DOCS = number('STORM_DOCS', 200);
const WORKERS = number('STORM_WORKERS', 3);
const KILL_EVERY_MS = number('STORM_KILL_EVERY_MS', 3000);
const STORM_MS = number('STORM_SECONDS', 45) * 1000;
const LATENCY_MS = number('STORM_LATENCY_MS', 200);
const CALM = process.env.STORM_CALM !== '0';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** However the storm goes, the script ends: jobs not finished by then are reported as such. */
const DRAIN_LIMIT_MS = 10 * 60_000;

interface RunFigures {
  name: string;
  kills: number;
  /** Documents finished (completed) while workers were being killed, or in all for the calm run. */
  completedInStorm: number;
  docsPerSecond: number;
  /** From the last kill to the last job finished; 0 when all had finished before it. */
  drainSeconds: number;
  completed: number;
  failed: number;
  unfinished: number;
  warc: ResponseRecordCount;
}

const fake = await FakeUpstream.start({ latencyMs: LATENCY_MS });
const sharedPosts = Array.from({ length: Math.ceil(DOCS / 10) }, (_, index) =>
  String(1_650_000_000_000_000_000n + BigInt(index)),
);
for (const id of sharedPosts) fake.addPost({ id, handle: 'shared', name: 'Shared', text: `shared post ${id}` });
const corpus = Array.from({ length: DOCS }, (_, doc) => {
  const plain = String(1_700_000_000_000_000_000n + BigInt(doc * 2));
  const withPhoto = String(1_700_000_000_000_000_001n + BigInt(doc * 2));
  const photoCode = `ph${doc.toString(36)}x`;
  fake.addPost({ id: plain, handle: 'storm', name: 'Storm', text: `post ${plain}` });
  fake.addPost({
    id: withPhoto,
    handle: 'storm',
    name: 'Storm',
    text: `photo post ${withPhoto}`,
    photos: [{ url: `https://pbs.twimg.com/media/Storm${doc}.jpg`, width: 800, height: 600 }],
    mediaShortCode: photoCode,
  });
  const links = [0, 1].map((link) => {
    const code = `st${doc.toString(36)}l${link}`;
    const page = `https://news.test/storm/${doc}/${link}`;
    fake.addPage(page, {
      body: `<html><head><title>Story ${doc}.${link}</title></head><body><p>story</p></body></html>`,
    });
    fake.addShortLink(code, page);
    return `https://t.co/${code}`;
  });
  const paragraphs = [
    `<p><a href="https://twitter.com/storm/status/${plain}">a post</a></p>`,
    `<p><a href="https://twitter.com/storm/status/${withPhoto}">a photo</a> pic.twitter.com/${photoCode}</p>`,
    ...links.map((url) => `<p>Read <a href="${url}">${url}</a></p>`),
    ...(doc % 10 === 0 ? [`<p><a href="https://x.com/shared/status/${sharedPosts[doc / 10]}">shared</a></p>`] : []),
  ];
  return {
    docId: `storm-${doc}`,
    html: `<html><head><title>Storm ${doc}</title></head><body>${paragraphs.join('\n')}</body></html>`,
  };
});

const admin = new Redis(REDIS_URL);
const runs: RunFigures[] = [];
try {
  if (CALM) runs.push(await run('calm', 0));
  runs.push(await run('storm', Math.floor(STORM_MS / KILL_EVERY_MS)));
} finally {
  admin.disconnect();
  await fake.close();
}

console.log(
  `${DOCS} documents, ${WORKERS} workers of concurrency 4, a SIGKILL every ${KILL_EVERY_MS / 1000} s for ${STORM_MS / 1000} s, upstream latency ${LATENCY_MS} ms\n`,
);
console.log('run     kills  docs/s  drain s  completed  failed  unfinished  responses  duplicated');
for (const figures of runs) {
  console.log(
    `${figures.name.padEnd(8)}${String(figures.kills).padStart(5)}${figures.docsPerSecond.toFixed(2).padStart(8)}${figures.drainSeconds.toFixed(1).padStart(9)}` +
      `${String(figures.completed).padStart(11)}${String(figures.failed).padStart(8)}${String(figures.unfinished).padStart(12)}` +
      `${String(figures.warc.responses).padStart(11)}${String(figures.warc.duplicated).padStart(12)}`,
  );
  for (const [what, count] of figures.warc.duplicates) console.log(`  stored ${count} times: ${what}`);
}
console.log(
  JSON.stringify({
    docs: DOCS,
    workers: WORKERS,
    killEveryMs: KILL_EVERY_MS,
    stormMs: STORM_MS,
    latencyMs: LATENCY_MS,
    runs,
  }),
);

async function run(name: string, kills: number): Promise<RunFigures> {
  const prefix = `citesnap-storm-${Date.now()}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-storm-'));
  const connection = redisOptionsFromUrl(REDIS_URL);
  const queue = openDocumentsQueue({ connection, prefix });
  const events = new QueueEvents(QUEUE.documents, { connection, prefix });
  await events.waitUntilReady();
  const env = {
    REDIS_URL,
    CITESNAP_QUEUE_PREFIX: prefix,
    CITESNAP_DATA_DIR: dataDir,
    CITESNAP_CONNECT_TO: fake.routes,
    NODE_EXTRA_CA_CERTS: TEST_CA_PATH,
  };
  // The built command, as an operator runs it: a worker restarts in about a second,
  // where compiling the TypeScript on the fly would take several on a busy machine.
  const spawnWorker = (): TestProcess => spawnTsx('bin/citesnap.cjs', ['worker', '--concurrency', '4'], env);
  const startWorker = async (): Promise<TestProcess> => {
    const worker = spawnWorker();
    await worker.event('worker.started');
    return worker;
  };
  const workers = await Promise.all(Array.from({ length: WORKERS }, startWorker));

  const completedAt: number[] = [];
  let lastFinish: number | undefined;
  let completed = 0;
  let failed = 0;
  let allFinished: () => void = () => undefined;
  const drained = new Promise<void>((resolve) => {
    allFinished = resolve;
  });
  const finish = (outcome: 'completed' | 'failed') => {
    lastFinish = performance.now();
    if (outcome === 'completed') {
      completed += 1;
      completedAt.push(lastFinish);
    } else failed += 1;
    if (completed + failed === DOCS) allFinished();
  };
  events.on('completed', () => finish('completed'));
  events.on('failed', () => finish('failed'));

  const started = performance.now();
  await queue.addBulk(
    corpus.map((doc) => ({
      name: JOB.archive,
      data: { docId: doc.docId, source: { html: doc.html } },
      opts: archiveJobOptions(doc.docId),
    })),
  );
  // Kills keep to their schedule whatever the workers are doing: a replacement still
  // starting (loading the code takes seconds on a busy machine) may be the next victim.
  let lastKill = started;
  for (let kill = 1; kill <= kills; kill += 1) {
    await sleep(Math.max(0, started + kill * KILL_EVERY_MS - performance.now()));
    const victim = Math.floor(Math.random() * workers.length);
    workers[victim]!.child.kill('SIGKILL');
    lastKill = performance.now();
    workers[victim] = spawnWorker();
  }
  await Promise.race([drained, sleep(DRAIN_LIMIT_MS)]);
  const ended = lastFinish ?? performance.now();

  for (const worker of workers) worker.child.kill(kills === 0 ? 'SIGTERM' : 'SIGKILL');
  await Promise.all(workers.map((worker) => worker.exited));
  const warc = await countResponseRecords(dataDir);
  await events.close();
  await queue.obliterate({ force: true });
  await queue.close();
  await deleteKeys(admin, prefix);
  await rm(dataDir, { recursive: true, force: true });

  const stormEnd = kills === 0 ? ended : Math.min(lastKill, ended);
  const completedInStorm = completedAt.filter((at) => at <= stormEnd).length;
  return {
    name,
    kills,
    completedInStorm,
    docsPerSecond: completedInStorm / ((stormEnd - started) / 1000),
    drainSeconds: kills === 0 ? 0 : Math.max(0, (ended - lastKill) / 1000),
    completed,
    failed,
    unfinished: DOCS - completed - failed,
    warc,
  };
}
