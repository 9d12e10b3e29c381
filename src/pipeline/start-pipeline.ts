import type { Config } from '../config.js';
import type { MigrateResult } from '../store-pg/migrate.js';
import { migrateConfiguredDatabase } from './open-store.js';

/** What start-up needs of a pipeline: openPipeline's, or a test's (which may have nothing to get ready). */
export interface StartablePipeline {
  /** Checks the WARC store and puts a killed run's files in it (OpenPipeline.ready). */
  ready?(): Promise<void>;
  close(): Promise<void>;
}

export interface StartPipelineOptions {
  /**
   * Make or upgrade the database's schema first, when one is configured (contract
   * section 12: `archive` and `worker` do; other commands find it made).
   */
  migrate: boolean;
  /** Told of the migrations applied, when there were any (the worker logs them). */
  onMigrated?: (migrated: MigrateResult & { database: string }) => void;
}

/**
 * The store and WARC-store start-up every command that runs the pipeline goes through,
 * the CLI's and the worker's alike: the database migrated (when asked), the pipeline
 * opened (its store and WARC store), and the WARC store checked with a killed run's
 * files uploaded from the outbox before anything is fetched. A step that fails closes
 * what was opened and throws its own error, not one that closing would add.
 */
export async function startPipeline<P extends StartablePipeline>(
  config: Pick<Config, 'databaseUrl'>,
  open: () => P,
  options: StartPipelineOptions,
): Promise<P> {
  if (options.migrate) {
    const migrated = await migrateConfiguredDatabase(config);
    if (migrated !== undefined && migrated.applied.length > 0) options.onMigrated?.(migrated);
  }
  const pipeline = open();
  try {
    await pipeline.ready?.();
  } catch (error) {
    await pipeline.close().catch(() => undefined);
    throw error;
  }
  return pipeline;
}
