import { configFrom, EXIT, parseCommandArgs } from './command-line.js';
import { UsageError } from '../src/errors.js';
import { exportDocument } from '../src/export/export-document.js';
import { openWarcFiles } from '../src/pipeline/open-pipeline.js';
import { openStore } from '../src/pipeline/open-store.js';

/** `citesnap export <doc-id> [--out FILE]`: write the document's WACZ. */
export async function exportCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('export', args, { out: { type: 'string' } });
  if (positionals.length !== 1 || positionals[0] === undefined)
    throw new UsageError('export: expected exactly one doc id');
  const config = configFrom(values);
  const store = openStore(config);
  const warcFiles = openWarcFiles(config);
  let exported;
  try {
    exported = await exportDocument({
      dataDir: config.dataDir,
      documents: store.documents,
      warcFiles: warcFiles.reader,
      listWarcFiles: () => warcFiles.store.list(),
      docId: positionals[0],
      ...(values.out === undefined ? {} : { outPath: values.out }),
    });
  } finally {
    await store.close();
    await warcFiles.store.close();
  }
  process.stdout.write(
    `${exported.path}: ${exported.pages} page${exported.pages === 1 ? '' : 's'}, ${exported.records} WARC records\n`,
  );
  return EXIT.ok;
}
