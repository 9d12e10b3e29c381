import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/config.js';
import { archiveDocument, openPipeline } from '../src/pipeline.js';
import { loadSource } from '../src/source.js';
import { FakeUpstream } from '../test/support/fake-upstream/index.js';
import { RedisHostGate } from '../workers/redis-host-gate.js';
import { RedisTargetClaims } from '../workers/redis-target-claims.js';
import { workerConnectionOptions } from '../workers/connection.js';
const fake = await FakeUpstream.start({ latencyMs: 50 });
const DOCS = 300;
const corpus = Array.from({ length: DOCS }, (_, doc) => {
  const ids = Array.from({ length: 5 }, (_, c) => String(1_700_000_000_000_000_000n + BigInt(doc * 5 + c)));
  for (const id of ids) fake.addPost({ id, handle: 'bench', name: 'Bench', text: `post ${id}` });
  return { docId: `b-${doc}`, html: ids.map((id) => `<p><a href="https://twitter.com/bench/status/${id}">p</a></p>`).join('\n') };
});
async function run(mode: string) {
  const dataDir = await mkdtemp(join(tmpdir(), 'zz-'));
  const config = loadConfig({ CITESNAP_DATA_DIR: dataDir, CITESNAP_CONNECT_TO: fake.routes, CITESNAP_HOST_CONCURRENCY: '64' });
  const redis = new Redis(workerConnectionOptions('redis://127.0.0.1:6379', 'zz'));
  const prefix = 'zz-' + Date.now();
  const opts = mode === 'redis' ? { hostGate: new RedisHostGate({ redis, hostConcurrency: 64, prefix }), claims: new RedisTargetClaims({ redis, prefix }) } : mode === 'gate' ? { hostGate: new RedisHostGate({ redis, hostConcurrency: 64, prefix }) } : mode === 'claims' ? { claims: new RedisTargetClaims({ redis, prefix }) } : {};
  const p = openPipeline(config, opts);
  const t = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: 4 }, async () => { while (next < corpus.length) { const d = corpus[next++]!; await archiveDocument({ docId: d.docId, source: await loadSource({ html: d.html }) }, p.ports); } }));
  const s = (performance.now() - t) / 1000;
  console.log(mode, (DOCS / s).toFixed(1), 'docs/s', 'requests', fake.requestCount());
  fake.reset();
  for (const id of corpus.flatMap((d) => [...d.html.matchAll(/status\/(\d+)/g)].map((m) => m[1]!))) fake.addPost({ id, handle: 'bench', name: 'Bench', text: `post ${id}` });
  await p.close(); redis.disconnect();
}
for (const m of ['none', 'gate', 'claims', 'redis', 'none']) await run(m);
await fake.close();
