import { resolve } from 'node:path';
import { configFrom, EXIT, parseCommandArgs } from './command-line.js';
import { UsageError } from '../src/errors.js';
import { migrateConfiguredDatabase } from '../src/pipeline/open-store.js';
import { importDataDir } from '../src/store-pg/import-data-dir.js';
import { openPostgresStore } from '../src/store-pg/postgres-store.js';
import { plural } from './summary.js';

/** `citesnap import <data dir>`: loads an existing data dir into the database (contract section 12). */
export async function importCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('import', args, {});
  if (positionals.length !== 1 || positionals[0] === undefined)
    throw new UsageError('import: expected exactly one data dir');
  const config = configFrom(values);
  if (config.databaseUrl === undefined)
    throw new UsageError('import: CITESNAP_DATABASE_URL is not set (import loads a data dir into the database)');
  await migrateConfiguredDatabase(config);
  const store = openPostgresStore({ url: config.databaseUrl });
  try {
    const showProgress = process.stderr.isTTY;
    const result = await importDataDir(store, resolve(positionals[0]), (progress) => {
      if (showProgress && (progress.documents % 100 === 0 || progress.documents === progress.of))
        process.stderr.write(`citesnap: imported ${progress.documents}/${progress.of} records\r`);
    });
    for (const docId of result.unreadable)
      process.stderr.write(`citesnap: import: ${docId}: not a readable record, skipped\n`);
    process.stdout.write(
      `imported ${plural(result.documents, 'document')} (${result.kept} already there), ${result.targets} target index ${result.targets === 1 ? 'entry' : 'entries'} into ${store.documents.location()}\n`,
    );
  } finally {
    await store.close();
  }
  return EXIT.ok;
}
