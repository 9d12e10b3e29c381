import { configFrom, EXIT, parseCommandArgs } from './command-line.js';
import { UsageError } from '../src/errors.js';
import { validateDocId } from '../src/model/index.js';
import { openStore } from '../src/pipeline/open-store.js';

/** `citesnap show <doc-id>`: print the document record. */
export async function showCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('show', args, {});
  if (positionals.length !== 1 || positionals[0] === undefined)
    throw new UsageError('show: expected exactly one doc id');
  const docId = validateDocId(positionals[0], 'show');
  const store = openStore(configFrom(values));
  try {
    const record = await store.documents.read(docId);
    if (!record)
      throw new UsageError(`show: no record for doc id ${JSON.stringify(docId)} in ${store.documents.location()}`);
    process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
  } finally {
    await store.close();
  }
  return EXIT.ok;
}
