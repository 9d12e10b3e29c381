import { configFrom, EXIT, parseCommandArgs } from './command-line.js';
import { UsageError } from '../src/errors.js';
import { openStore } from '../src/pipeline/open-store.js';
import { plural } from './summary.js';

/** `reindex`: rebuilds the reverse index, the target states and the change log from the records. */
export async function reindexCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('reindex', args, {});
  if (positionals.length > 0) throw new UsageError(`reindex: unexpected argument ${JSON.stringify(positionals[0])}`);
  const store = openStore(configFrom(values));
  try {
    const result = await store.citing.rebuild();
    process.stdout.write(
      `reindexed ${plural(result.documents, 'document')}: ${plural(result.targets, 'target')}, ${plural(result.changes, 'status change')}\n`,
    );
  } finally {
    await store.close();
  }
  return EXIT.ok;
}
