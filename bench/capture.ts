// Capture throughput: 4,000 citations (posts and pages) through the whole pipeline
// against the fake upstream, run as a process of its own with 50 ms added to every
// response, as the real services' latency would be.
//
//   npm run bench:capture -- [--documents N] [--concurrency N] [--latency-ms N] [--warm-up N] [--cpu-profile FILE]
//                            [--keep-data-dir]
//
// The concurrency in use is a cap on requests in flight at once, over all hosts,
// given to the pipeline through its HostGate port; documents are fed in faster than
// that cap lets them finish, so the network slots, not the supply of work, are the
// limit, until the last documents drain: 400 documents by default, as with 100 that
// tail was a fifth of the run. The ideal time is then requests x latency / concurrency,
// and the ratio to it says how much of the run the pipeline's own work (parsing, WARC
// and index writes, scheduling) adds; the places held on average, and how long each is
// held against the latency, say where it goes. Prints wall time, citations/s, upstream
// requests made (against the requests the corpus needs when every target is fetched
// once), that ratio and peak RSS, and the CPU time the measured pass spent per citation
// (process.cpuUsage: the fake upstream runs in a process of its own, whose CPU is
// printed too), the figure that still means something when other work shares the
// machine and the wall-clock ratio does not, and the part of it the main thread spent
// (the rest is libuv's thread pool doing file system calls, and V8's garbage collector
// helpers). Targets: a ratio of at least 0.8, and one upstream request per request the
// unique targets need. A warm-up pass first (--warm-up documents, default 50, of
// targets of their own) lets the JIT compile the hot paths, so the figure is the
// pipeline's steady state rather than its start-up. `--cpu-profile FILE` writes a CPU
// profile of the measured pass alone (open it in Chrome DevTools or VS Code).
//
// Run through npm, it has the thread pool the citesnap launcher gives the CLI
// (bin/thread-pool.cjs). The data dir is made under TMPDIR. On ext4 without a journal
// (this machine's disk), every inode freed makes file creation slower for the next one
// to six minutes (the allocator skips it, reading its deletion time): the cleanup of
// one run slows a run started right after it, so leave six minutes between runs on
// such a disk, or keep each run's data dir (`--keep-data-dir`, which prints where) and
// remove them all afterwards.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { hostPlace, InProcessHostGate, type HostGate, type HostPlace } from '../src/net/index.js';
import { archiveDocument, openPipeline, type OpenPipeline } from '../src/pipeline/index.js';
import { loadSource } from '../src/source.js';
import { buildCorpus, mergedScenario, startFakeUpstream } from './support/capture-corpus.js';
import { startCpuProfile } from './support/cpu-profile.js';
import { mainThreadCpuMs, ownCpuMs, processCpuMs } from './support/cpu-time.js';

const { values } = parseArgs({
  options: {
    documents: { type: 'string', default: '400' },
    concurrency: { type: 'string', default: '32' },
    'latency-ms': { type: 'string', default: '50' },
    'warm-up': { type: 'string', default: '50' },
    'cpu-profile': { type: 'string' },
    'keep-data-dir': { type: 'boolean', default: false },
  },
});
const DOCUMENTS = Number(values.documents);
const CONCURRENCY = Number(values.concurrency);
const LATENCY_MS = Number(values['latency-ms']);
const WARM_UP = Number(values['warm-up']);
/** The pipeline's default: citations checked at once within one document. */
const PER_DOCUMENT_CONCURRENCY = 8;

if (!process.env.NODE_EXTRA_CA_CERTS?.endsWith('test/support/tls/ca.pem')) {
  throw new Error('run with NODE_EXTRA_CA_CERTS=test/support/tls/ca.pem (npm run bench:capture does)');
}

/**
 * One limit for all hosts together (the bench's "concurrency in use"), which also
 * measures how it is used: the mean time a request holds its place (latency plus what
 * the pipeline adds while the request is out: connecting, TLS, the event loop's delay
 * in reading the answer) and the mean number of places held. The ratio to the ideal is
 * about their product: (held / concurrency) x (latency / time a place is held).
 */
class MeasuredRequestLimit implements HostGate {
  readonly #gate: InProcessHostGate;
  #held = 0;
  #heldSince = performance.now();
  #placeTime = 0;
  #places = 0;
  #heldTime = 0;

  constructor(limit: number) {
    this.#gate = new InProcessHostGate({ hostConcurrency: limit });
  }

  async acquire(_host: string, signal?: AbortSignal, order?: number): Promise<HostPlace> {
    const place = await this.#gate.acquire('every host', signal, order);
    const start = performance.now();
    this.#count(+1);
    return hostPlace(() => {
      this.#count(-1);
      this.#placeTime += performance.now() - start;
      this.#places += 1;
      place();
    }, place.lost);
  }

  slowDown(host: string, delayMs: number): void {
    this.#gate.slowDown(host, delayMs);
  }

  /** Starts measuring afresh (after the warm-up). */
  reset(): void {
    this.#count(0);
    this.#placeTime = 0;
    this.#places = 0;
    this.#heldTime = 0;
  }

  /** Mean ms a place was held, and mean places held over `wallMs`, since reset(). */
  figures(wallMs: number): { meanPlaceMs: number; meanHeld: number } {
    this.#count(0);
    return { meanPlaceMs: this.#placeTime / this.#places, meanHeld: this.#heldTime / wallMs };
  }

  #count(change: number): void {
    const now = performance.now();
    this.#heldTime += this.#held * (now - this.#heldSince);
    this.#heldSince = now;
    this.#held += change;
  }
}

async function main(): Promise<void> {
  const corpus = buildCorpus(DOCUMENTS);
  const warmUp = buildCorpus(WARM_UP, 1);
  const work = await mkdtemp(join(tmpdir(), 'citesnap-bench-capture-'));
  const scenarioPath = join(work, 'scenario.json');
  await writeFile(scenarioPath, JSON.stringify(mergedScenario([corpus, warmUp])));
  const upstream = await startFakeUpstream(scenarioPath, LATENCY_MS);
  const concurrency = CONCURRENCY;
  const config = loadConfig({ CITESNAP_DATA_DIR: join(work, 'data'), CITESNAP_CONNECT_TO: upstream.routes });
  const requestLimit = new MeasuredRequestLimit(concurrency);
  const pipeline = openPipeline(config, { hostGate: requestLimit });
  // Enough documents at once (each asks for up to 8 slots) that the cap, not the supply of work, binds.
  const parallelDocuments = concurrency;
  try {
    await archiveAll(warmUp.documents, 'warm-up', parallelDocuments, pipeline);
    const before = await upstream.stats();
    const stopProfile = values['cpu-profile'] === undefined ? undefined : await startCpuProfile(values['cpu-profile']);
    const upstreamCpuBefore = processCpuMs(upstream.pid);
    requestLimit.reset();
    const started = performance.now();
    const cpuBefore = ownCpuMs();
    const mainThreadBefore = mainThreadCpuMs();
    const archived = await archiveAll(corpus.documents, 'bench', parallelDocuments, pipeline);
    const wallMs = performance.now() - started;
    const cpuMs = ownCpuMs() - cpuBefore;
    const mainThreadMs = mainThreadCpuMs() - mainThreadBefore;
    const upstreamCpuMs = processCpuMs(upstream.pid) - upstreamCpuBefore;
    const { meanPlaceMs, meanHeld } = requestLimit.figures(wallMs);
    await stopProfile?.();
    const stats = { requests: (await upstream.stats()).requests - before.requests };
    const idealMs = (stats.requests * LATENCY_MS) / concurrency;
    const lines = [
      [
        'documents',
        `${DOCUMENTS} (${parallelDocuments} at once, up to ${PER_DOCUMENT_CONCURRENCY} citations at once in each), after ${WARM_UP} to warm up`,
      ],
      ['citations', `${corpus.citations} (${archived} archived)`],
      ['latency per response', `${LATENCY_MS} ms`],
      ['wall time', `${(wallMs / 1000).toFixed(2)} s`],
      ['citations/s', (corpus.citations / (wallMs / 1000)).toFixed(1)],
      ['upstream requests', `${stats.requests} (the unique targets need ${corpus.requestsNeeded})`],
      ['concurrency in use', `${concurrency} requests in flight at most, over all hosts`],
      ['ideal time', `${(idealMs / 1000).toFixed(2)} s (requests x latency / concurrency)`],
      ['ratio to ideal', (idealMs / wallMs).toFixed(2)],
      ['places held', `${meanHeld.toFixed(1)} of ${concurrency} on average`],
      ['a place held for', `${meanPlaceMs.toFixed(1)} ms on average (latency ${LATENCY_MS} ms)`],
      ['CPU time', `${(cpuMs / 1000).toFixed(2)} s, ${(cpuMs / corpus.citations).toFixed(2)} ms a citation`],
      [
        'main thread CPU',
        `${(mainThreadMs / 1000).toFixed(2)} s, ${(mainThreadMs / corpus.citations).toFixed(2)} ms a citation`,
      ],
      ['fake upstream CPU', `${(upstreamCpuMs / 1000).toFixed(2)} s (a process of its own, on the same cores)`],
      ['load average', os.loadavg()[0]!.toFixed(1)],
      ['peak RSS', `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`],
    ];
    for (const [label, value] of lines) console.log(`${label!.padEnd(22)} ${value}`);
  } finally {
    await pipeline.close();
    await upstream.stop();
    if (values['keep-data-dir']) console.log(`${'data dir kept'.padEnd(22)} ${work}`);
    else await rm(work, { recursive: true, force: true });
  }
}

/** Archives `documents`, `parallel` at once; returns the citations archived. */
async function archiveAll(
  documents: readonly string[],
  prefix: string,
  parallel: number,
  pipeline: OpenPipeline,
): Promise<number> {
  let next = 0;
  let archived = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < documents.length) {
        const index = next++;
        const source = await loadSource({ html: documents[index] ?? '', uri: `bench:${prefix}-${index}` });
        const record = await archiveDocument({ docId: `${prefix}-${index}`, source }, pipeline.ports);
        archived += record.citations.filter((citation) => citation.status === 'archived').length;
      }
    }),
  );
  return archived;
}

await main();
