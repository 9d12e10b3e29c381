// The stages in order, used alike by the CLI and the queue worker.
export { archiveDocument, type ArchiveRequest } from './archive-document.js';
export type { PipelinePorts } from './check-citations.js';
export { openPipeline, openWarcFiles, type OpenPipeline, type OpenPipelineOptions } from './open-pipeline.js';
export { migrateConfiguredDatabase, openStore, type OpenStoreOptions } from './open-store.js';
export { recheckDocument } from './recheck.js';
export { startPipeline, type StartablePipeline, type StartPipelineOptions } from './start-pipeline.js';
export {
  planRecheckRun,
  recheckDocuments,
  targetsOfRun,
  type DocumentDue,
  type RecheckPlan,
  type RecheckRun,
} from './recheck-targets.js';
