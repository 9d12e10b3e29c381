import type { Config } from '../config.js';
import type { StatusChangeListener, Store } from '../ports.js';
import { openDataDirStore } from '../record/data-dir-store.js';
import { Database } from '../store-pg/database.js';
import { migrate, type MigrateResult } from '../store-pg/migrate.js';
import { openPostgresStore } from '../store-pg/postgres-store.js';

export interface OpenStoreOptions {
  /** Told of the status changes each written record brings (the worker's metrics). */
  onStatusChanges?: StatusChangeListener;
  /** Lease of a claim kept in the database (the worker's claimTtlMs). */
  claimLeaseMs?: number;
}

/**
 * The store the configuration names: PostgreSQL when CITESNAP_DATABASE_URL is set
 * (contract section 12), else the data dir, the embedded default. Every command that
 * reads or writes records opens it here.
 */
export function openStore(config: Pick<Config, 'dataDir' | 'databaseUrl'>, options: OpenStoreOptions = {}): Store {
  const onStatusChanges = options.onStatusChanges === undefined ? {} : { onStatusChanges: options.onStatusChanges };
  if (config.databaseUrl === undefined) return openDataDirStore({ dataDir: config.dataDir, ...onStatusChanges });
  return openPostgresStore({
    url: config.databaseUrl,
    ...onStatusChanges,
    ...(options.claimLeaseMs === undefined ? {} : { claimLeaseMs: options.claimLeaseMs }),
  });
}

/**
 * Creates or upgrades the database's schema when a database is configured (`citesnap
 * migrate`, and `worker` and `archive` at start); undefined on the data dir.
 */
export async function migrateConfiguredDatabase(
  config: Pick<Config, 'databaseUrl'>,
): Promise<(MigrateResult & { database: string }) | undefined> {
  if (config.databaseUrl === undefined) return undefined;
  const database = new Database({ url: config.databaseUrl });
  try {
    return { ...(await migrate(database)), database: database.redactedUrl() };
  } finally {
    await database.close();
  }
}
