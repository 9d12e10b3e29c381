// Capture throughput: 1,000 citations (posts and pages) through the whole pipeline
// against the fake upstream, run as a process of its own with 50 ms added to every
// response, as the real services' latency would be.
//
//   npm run bench:capture -- [--documents N] [--concurrency N] [--latency-ms N] [--warm-up N] [--cpu-profile FILE]
//
// The concurrency in use is a cap on requests in flight at once, over all hosts,
// given to the pipeline through its HostGate port; documents are fed in faster than
// that cap lets them finish, so the network slots, not the supply of work, are the
// limit. The ideal time is then requests x latency / concurrency, and the ratio to it
// says how much of the run the pipeline's own work (parsing, WARC and index writes,
// scheduling) adds. Prints wall time, citations/s, upstream requests made (against
// the requests the corpus needs when every target is fetched once), that ratio and
// peak RSS, and the CPU time the measured pass spent per citation (process.cpuUsage:
// the fake upstream runs in a process of its own), the figure that still means
// something when other work shares the machine and the wall-clock ratio does not, and the
// part of it the main thread spent (the rest is libuv's thread pool doing file system
// calls, and V8's garbage collector helpers). Targets: a ratio of at least 0.8, and one upstream request per request
// the unique targets need. A warm-up pass first (--warm-up documents, default 50, of
// targets of their own) lets the JIT compile the hot paths, so the figure is the
// pipeline's steady state rather than its start-up. `--cpu-profile FILE` writes a CPU
// profile of the measured pass alone (open it in Chrome DevTools or VS Code).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { InProcessHostGate, type HostGate } from '../src/net/index.js';
import { archiveDocument, openPipeline, type OpenPipeline } from '../src/pipeline/index.js';
import { loadSource } from '../src/source.js';
import { buildCorpus, mergedScenario, startFakeUpstream } from './support/capture-corpus.js';
import { startCpuProfile } from './support/cpu-profile.js';
import { mainThreadCpuMs, ownCpuMs } from './support/cpu-time.js';

const { values } = parseArgs({
  options: {
    documents: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '32' },
    'latency-ms': { type: 'string', default: '50' },
    'warm-up': { type: 'string', default: '50' },
    'cpu-profile': { type: 'string' },
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

/** One limit for all hosts together: the bench's "concurrency in use". */
function totalRequestLimit(limit: number): HostGate {
  const gate = new InProcessHostGate({ hostConcurrency: limit });
  return {
    acquire: (_host, signal) => gate.acquire('every host', signal),
    slowDown: (host, delayMs) => gate.slowDown(host, delayMs),
  };
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
  const pipeline = openPipeline(config, { hostGate: totalRequestLimit(concurrency) });
  // Enough documents at once (each asks for up to 8 slots) that the cap, not the supply of work, binds.
  const parallelDocuments = concurrency;
  try {
    await archiveAll(warmUp.documents, 'warm-up', parallelDocuments, pipeline);
    const before = await upstream.stats();
    const stopProfile = values['cpu-profile'] === undefined ? undefined : await startCpuProfile(values['cpu-profile']);
    const started = performance.now();
    const cpuBefore = ownCpuMs();
    const mainThreadBefore = mainThreadCpuMs();
    const archived = await archiveAll(corpus.documents, 'bench', parallelDocuments, pipeline);
    const wallMs = performance.now() - started;
    const cpuMs = ownCpuMs() - cpuBefore;
    const mainThreadMs = mainThreadCpuMs() - mainThreadBefore;
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
      ['CPU time', `${(cpuMs / 1000).toFixed(2)} s, ${(cpuMs / corpus.citations).toFixed(2)} ms a citation`],
      [
        'main thread CPU',
        `${(mainThreadMs / 1000).toFixed(2)} s, ${(mainThreadMs / corpus.citations).toFixed(2)} ms a citation`,
      ],
      ['load average', os.loadavg()[0]!.toFixed(1)],
      ['peak RSS', `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`],
    ];
    for (const [label, value] of lines) console.log(`${label!.padEnd(22)} ${value}`);
  } finally {
    await pipeline.close();
    await upstream.stop();
    await rm(work, { recursive: true, force: true });
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
