import { checkSources, configFrom, EXIT, parseCommandArgs, reportError, sourceSpecOf } from './command-line.js';
import { deriveDocId } from '../src/model/index.js';
import { archiveDocument, openPipeline } from '../src/pipeline/index.js';
import { loadSource } from '../src/source.js';
import { summarize } from './summary.js';

/** `citesnap archive <source>... [--doc-id ID] [--json] [--no-sidecar]`: the whole pipeline in this process. */
export async function archiveCommand(args: readonly string[], io: { stdoutClosed: () => boolean }): Promise<number> {
  const { values, positionals } = parseCommandArgs('archive', args, {
    'doc-id': { type: 'string' },
    json: { type: 'boolean' },
    'no-sidecar': { type: 'boolean' },
  });
  checkSources('archive', positionals, values['doc-id']);
  const config = configFrom(values);
  const pipeline = openPipeline(config);
  const showProgress = process.stderr.isTTY;

  let exitCode: number = EXIT.ok;
  try {
    for (const [index, source] of positionals.entries()) {
      try {
        if (showProgress) process.stderr.write(`citesnap: [${index + 1}/${positionals.length}] ${source}\n`);
        const spec = sourceSpecOf(source);
        const loaded = await loadSource(spec, { fetchArticle: pipeline.fetchArticle, maxBytes: config.maxSourceBytes });
        const docId = values['doc-id'] ?? deriveDocId('path' in spec ? spec : 'url' in spec ? spec : { content: loaded.bytes });
        const record = await archiveDocument({ docId, source: loaded, sidecar: values['no-sidecar'] !== true }, pipeline.ports);
        if (!io.stdoutClosed()) {
          process.stdout.write(values.json === true ? `${JSON.stringify(record)}\n` : `${summarize(record, pipeline.ports.store.documents)}\n`);
        }
      } catch (error) {
        // One bad source does not stop the others: every record already written stays.
        exitCode = Math.max(exitCode, reportError(error));
      }
    }
  } finally {
    await pipeline.close();
  }
  return exitCode;
}
