import { checkSources, configFrom, EXIT, parseCommandArgs, reportError, sourceSpecOf } from './command-line.js';
import { deriveDocId } from '../src/model/index.js';
import { archiveDocument, openPipeline, startPipeline } from '../src/pipeline/index.js';
import { loadSource } from '../src/source.js';
import { StorageWriteError } from '../src/errors.js';
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
  // With a database, its schema is made or upgraded first (contract section 12).
  const pipeline = await startPipeline(config, () => openPipeline(config), { migrate: true });
  const showProgress = process.stderr.isTTY;

  // Several documents at once (CITESNAP_DOCUMENT_CONCURRENCY), each printed once it and
  // every source before it are done, so the output keeps the order of the sources.
  const outcomes = positionals.map(() => deferred<{ line?: string; error?: unknown }>());
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < positionals.length) {
      const index = next++;
      const source = positionals[index] ?? '';
      // Known before the source is read except for stdin: a failed write names it.
      let docId: string | undefined;
      try {
        if (showProgress) process.stderr.write(`citesnap: [${index + 1}/${positionals.length}] ${source}\n`);
        const spec = sourceSpecOf(source);
        docId = values['doc-id'] ?? ('stdin' in spec ? undefined : deriveDocId(spec));
        const loaded = await loadSource(spec, { fetchArticle: pipeline.fetchArticle, maxBytes: config.maxSourceBytes });
        docId ??= deriveDocId({ content: loaded.bytes });
        const record = await archiveDocument(
          { docId, source: loaded, sidecar: values['no-sidecar'] !== true },
          pipeline.ports,
        );
        outcomes[index]?.resolve({
          line: values.json === true ? JSON.stringify(record) : summarize(record, pipeline.ports.store.documents),
        });
      } catch (error) {
        const named = error instanceof StorageWriteError && docId !== undefined ? error.forDocument(docId) : error;
        outcomes[index]?.resolve({ error: named });
      }
    }
  };
  let exitCode: number = EXIT.ok;
  try {
    const lanes = Promise.all(Array.from({ length: Math.min(config.documentConcurrency, positionals.length) }, lane));
    for (const outcome of outcomes) {
      const { line, error } = await outcome.promise;
      // One bad source does not stop the others: every record already written stays.
      if (error !== undefined) exitCode = Math.max(exitCode, reportError(error));
      else if (line !== undefined && !io.stdoutClosed()) process.stdout.write(`${line}\n`);
    }
    await lanes;
  } finally {
    await pipeline.close();
  }
  return exitCode;
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

/**
 * `recheck --doc-id ID`: every citation of that document, now; with `--older-than D`
 * too, those of its citations whose newest check is older. Without `--doc-id`: a run
 * by target over the whole archive (contract section 10), the due targets on the
 * widening schedule, or with `--older-than D` those whose newest check is older.
 */
