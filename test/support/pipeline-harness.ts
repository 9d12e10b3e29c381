import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config.js';
import { archiveDocument, openPipeline, type OpenPipeline } from '../../src/pipeline/index.js';
import type { DocumentRecord } from '../../src/model/index.js';
import { loadSource } from '../../src/source.js';
import type { FakeUpstream } from './fake-upstream/index.js';

export interface PipelineHarness {
  config: Config;
  dataDir: string;
  pipeline: OpenPipeline;
  /** Runs the whole pipeline over an inline document, as a queue job with `{ html }` or `{ text }` would. */
  archive(document: { html: string } | { text: string }, docId: string): Promise<DocumentRecord>;
  close(): Promise<void>;
}

/**
 * The real pipeline in this process, wired to a fake upstream only through the
 * configuration a user would set (CITESNAP_CONNECT_TO; the test CA comes from
 * NODE_EXTRA_CA_CERTS, set by vitest.config.ts). Add the scenario's pages before
 * calling this: the routes name every host the fake serves at that moment.
 */
export async function startPipeline(
  upstream: FakeUpstream,
  env: Record<string, string> = {},
): Promise<PipelineHarness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'citesnap-pipeline-'));
  const config = loadConfig({ CITESNAP_DATA_DIR: dataDir, CITESNAP_CONNECT_TO: upstream.routes, ...env });
  const pipeline = openPipeline(config);
  return {
    config,
    dataDir,
    pipeline,
    archive: async (document, docId) => archiveDocument({ docId, source: await loadSource(document) }, pipeline.ports),
    close: () => pipeline.close(),
  };
}
