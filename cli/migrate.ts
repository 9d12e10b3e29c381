import { configFrom, EXIT, parseCommandArgs } from './command-line.js';
import { UsageError } from '../src/errors.js';
import { migrateConfiguredDatabase } from '../src/pipeline/open-store.js';

/** `citesnap migrate`: creates or upgrades the database's schema; idempotent, safe from several processes at once. */
export async function migrateCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('migrate', args, {});
  if (positionals.length > 0) throw new UsageError(`migrate: unexpected argument ${JSON.stringify(positionals[0])}`);
  const result = await migrateConfiguredDatabase(configFrom(values));
  if (result === undefined)
    throw new UsageError('migrate: CITESNAP_DATABASE_URL is not set (the data dir needs no migration)');
  process.stdout.write(
    result.applied.length === 0
      ? `${result.database}: schema up to date (version ${result.version})\n`
      : `${result.database}: applied ${result.applied.join(', ')} (now version ${result.version})\n`,
  );
  return EXIT.ok;
}
