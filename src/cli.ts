import { checkSources, configFrom, EXIT, parseCommandArgs, reportError, sourceSpecOf, USAGE } from './command-line.js';
import { UsageError } from './errors.js';
import { parseDuration } from './duration.js';
import { exportDocument } from './export/export-document.js';
import { archiveDocument, openPipeline, recheckDocument } from './pipeline.js';
import { countStatuses } from './record/citation-stats.js';
import { newestCheckBefore } from './record/checks.js';
import { deriveDocId, validateDocId } from './record/doc-id.js';
import { DocumentStore } from './record/store.js';
import type { DocumentRecord } from './record/types.js';
import { loadSource } from './source.js';
import { VERSION } from './version.js';

/**
 * Runs one command and returns its exit code. Errors never escape as stack traces:
 * bad usage and bad input print one line and return 2, anything else one line and 1.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const stdoutClosed = guardStdout();
  try {
    const [command, ...rest] = argv;
    switch (command) {
      case 'archive':
        return await archiveCommand(rest, stdoutClosed);
      case 'show':
        return await showCommand(rest);
      case 'recheck':
        return await recheckCommand(rest);
      case 'export':
        return await exportCommand(rest);
      case 'enqueue':
      case 'worker':
      case 'schedule': {
        // Loaded only for these commands: archive, show and recheck never load BullMQ or ioredis.
        const { runQueueCommand } = await import('../workers/commands.js');
        return await runQueueCommand(command, rest);
      }
      case '--version':
      case 'version':
        process.stdout.write(`${VERSION}\n`);
        return EXIT.ok;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        process.stdout.write(`${USAGE}\n`);
        return command === undefined ? EXIT.usage : EXIT.ok;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}; run 'citesnap --help' for the commands`);
    }
  } catch (error) {
    return reportError(error);
  }
}

async function archiveCommand(args: readonly string[], stdoutClosed: () => boolean): Promise<number> {
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
        if (!stdoutClosed()) {
          process.stdout.write(values.json === true ? `${JSON.stringify(record)}\n` : `${summarize(record, pipeline.ports.store)}\n`);
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

async function recheckCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('recheck', args, {
    'doc-id': { type: 'string' },
    'older-than': { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`recheck: unexpected argument ${JSON.stringify(positionals[0])}; use --doc-id ID`);
  const docId = values['doc-id'] === undefined ? undefined : validateDocId(values['doc-id']);
  const olderThanMs = parseDuration(values['older-than'] ?? '7d', '--older-than');
  const config = configFrom(values);
  const pipeline = openPipeline(config);
  let exitCode: number = EXIT.ok;
  try {
    const docIds = docId === undefined ? await pipeline.ports.store.list() : [docId];
    const cutoff = Date.now() - olderThanMs;
    let citations = 0;
    let documents = 0;
    for (const id of docIds) {
      try {
        const result = await recheckDocument(id, (citation) => newestCheckBefore(citation.checks, cutoff), pipeline.ports);
        if (result === undefined) throw new UsageError(`recheck: no record for doc id ${JSON.stringify(id)} in ${pipeline.ports.store.directory}`);
        documents += 1;
        citations += result.rechecked;
        if (result.rechecked > 0) process.stdout.write(`${summarize(result.record, pipeline.ports.store)}\n`);
      } catch (error) {
        // One document that fails (its record deleted since the listing, say) does not stop the others.
        exitCode = Math.max(exitCode, reportError(error));
      }
    }
    // When every document failed, the error lines say all there is.
    if (documents > 0 || exitCode === EXIT.ok) {
      process.stdout.write(`rechecked ${citations} citation${citations === 1 ? '' : 's'} in ${documents} document${documents === 1 ? '' : 's'}\n`);
    }
  } finally {
    await pipeline.close();
  }
  return exitCode;
}

async function showCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('show', args, {});
  if (positionals.length !== 1 || positionals[0] === undefined) throw new UsageError('show: expected exactly one doc id');
  const docId = validateDocId(positionals[0], 'show');
  const store = new DocumentStore({ dataDir: configFrom(values).dataDir });
  const record = await store.read(docId);
  if (!record) throw new UsageError(`show: no record for doc id ${JSON.stringify(docId)} in ${store.directory}`);
  process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
  return EXIT.ok;
}

async function exportCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('export', args, { out: { type: 'string' } });
  if (positionals.length !== 1 || positionals[0] === undefined) throw new UsageError('export: expected exactly one doc id');
  const exported = await exportDocument({
    dataDir: configFrom(values).dataDir,
    docId: positionals[0],
    ...(values.out === undefined ? {} : { outPath: values.out }),
  });
  process.stdout.write(`${exported.path}: ${exported.pages} page${exported.pages === 1 ? '' : 's'}, ${exported.records} WARC records\n`);
  return EXIT.ok;
}

function summarize(record: DocumentRecord, store: DocumentStore): string {
  const counts = Object.entries(countStatuses(record.citations))
    .map(([status, count]) => `${count} ${status}`)
    .join(', ');
  return `${record.docId}: ${record.citations.length} citation${record.citations.length === 1 ? '' : 's'}${counts ? ` (${counts})` : ''} -> ${store.pathOf(record.docId)}`;
}

/**
 * A reader that goes away (`citesnap archive --json x | head -1`) must not turn into
 * a stack trace: stop writing to stdout and carry on, records are on disk already.
 */
function guardStdout(): () => boolean {
  let closed = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    closed = true;
    // Anything but a reader gone away (a full disk behind a redirect) still gets its one line.
    if (error.code !== 'EPIPE') {
      process.stderr.write(`citesnap: cannot write to standard output: ${error.message}\n`);
      process.exitCode = EXIT.internal;
    }
  });
  return () => closed;
}
