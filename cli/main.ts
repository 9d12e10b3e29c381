import { checkSources, configFrom, EXIT, parseCommandArgs, reportError, sourceSpecOf, USAGE } from './command-line.js';
import { UsageError } from '../src/errors.js';
import { parseDuration } from '../src/duration.js';
import { archiveDocument, openPipeline, recheckDocument } from '../src/pipeline/index.js';
import { countStatuses } from '../src/record/citation-stats.js';
import { DEFAULT_RECHECK_OLDER_THAN, deriveDocId, newestCheckBefore, validateDocId } from '../src/model/index.js';
import { openDataDirStore } from '../src/record/data-dir-store.js';
import type { DocumentRecords } from '../src/ports.js';
import type { DocumentRecord } from '../src/model/index.js';
import { loadSource } from '../src/source.js';
import { VERSION } from '../src/version.js';

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
      case 'enqueue':
      case 'worker':
      case 'schedule': {
        // Loaded only for these commands: archive, show and recheck never load BullMQ or ioredis.
        const { runQueueCommand } = await import('./queue-commands.js');
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
        const loaded = await loadSource(spec, { fetchArticle: pipeline.fetchArticle });
        const docId = values['doc-id'] ?? deriveDocId('path' in spec ? spec : 'url' in spec ? spec : { content: loaded.bytes });
        const record = await archiveDocument({ docId, source: loaded, sidecar: values['no-sidecar'] !== true }, pipeline.ports);
        if (!stdoutClosed()) {
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

async function recheckCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('recheck', args, {
    'doc-id': { type: 'string' },
    'older-than': { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`recheck: unexpected argument ${JSON.stringify(positionals[0])}; use --doc-id ID`);
  const docId = values['doc-id'] === undefined ? undefined : validateDocId(values['doc-id']);
  const olderThanMs = parseDuration(values['older-than'] ?? DEFAULT_RECHECK_OLDER_THAN, '--older-than');
  const config = configFrom(values);
  const pipeline = openPipeline(config);
  let exitCode: number = EXIT.ok;
  try {
    const docIds = docId === undefined ? await pipeline.ports.store.documents.list() : [docId];
    const cutoff = Date.now() - olderThanMs;
    let citations = 0;
    let documents = 0;
    for (const id of docIds) {
      try {
        const result = await recheckDocument(id, (citation) => newestCheckBefore(citation.checks, cutoff), pipeline.ports);
        if (result === undefined) throw new UsageError(`recheck: no record for doc id ${JSON.stringify(id)} in ${pipeline.ports.store.documents.location()}`);
        documents += 1;
        citations += result.rechecked;
        if (result.rechecked > 0) process.stdout.write(`${summarize(result.record, pipeline.ports.store.documents)}\n`);
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
  const store = openDataDirStore({ dataDir: configFrom(values).dataDir });
  try {
    const record = await store.documents.read(docId);
    if (!record) throw new UsageError(`show: no record for doc id ${JSON.stringify(docId)} in ${store.documents.location()}`);
    process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
  } finally {
    await store.close();
  }
  return EXIT.ok;
}

function summarize(record: DocumentRecord, documents: DocumentRecords): string {
  const counts = Object.entries(countStatuses(record.citations))
    .map(([status, count]) => `${count} ${status}`)
    .join(', ');
  return `${record.docId}: ${record.citations.length} citation${record.citations.length === 1 ? '' : 's'}${counts ? ` (${counts})` : ''} -> ${documents.locationOf(record.docId)}`;
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
