import { checkSources, configFrom, EXIT, parseCommandArgs, reportError, sourceSpecOf, USAGE } from './command-line.js';
import { UsageError } from '../src/errors.js';
import { parseDuration } from '../src/duration.js';
import { archiveDocument, openPipeline, planRecheckRun, recheckDocument, recheckDocuments } from '../src/pipeline/index.js';
import { countStatuses } from '../src/record/citation-stats.js';
import { newestCheckBefore } from '../src/record/checks.js';
import { deriveDocId, validateDocId, type DocumentRecord, type Status } from '../src/model/index.js';
import { openDataDirStore } from '../src/record/data-dir-store.js';
import type { DocumentRecords } from '../src/ports.js';
import { loadSource } from '../src/source.js';
import { WIDENING, type RecheckSchedule } from '../src/targets/recheck-schedule.js';
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
      case 'reindex':
        return await reindexCommand(rest);
      case 'changes':
        return await changesCommand(rest);
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

  // Several documents at once (CITESNAP_DOCUMENT_CONCURRENCY), each printed once it and
  // every source before it are done, so the output keeps the order of the sources.
  const outcomes = positionals.map(() => deferred<{ line?: string; error?: unknown }>());
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < positionals.length) {
      const index = next++;
      const source = positionals[index] ?? '';
      try {
        if (showProgress) process.stderr.write(`citesnap: [${index + 1}/${positionals.length}] ${source}\n`);
        const spec = sourceSpecOf(source);
        const loaded = await loadSource(spec, { fetchArticle: pipeline.fetchArticle });
        const docId = values['doc-id'] ?? deriveDocId('path' in spec ? spec : 'url' in spec ? spec : { content: loaded.bytes });
        const record = await archiveDocument({ docId, source: loaded, sidecar: values['no-sidecar'] !== true }, pipeline.ports);
        outcomes[index]?.resolve({ line: values.json === true ? JSON.stringify(record) : summarize(record, pipeline.ports.store.documents) });
      } catch (error) {
        outcomes[index]?.resolve({ error });
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
      else if (line !== undefined && !stdoutClosed()) process.stdout.write(`${line}\n`);
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
async function recheckCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('recheck', args, {
    'doc-id': { type: 'string' },
    'older-than': { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`recheck: unexpected argument ${JSON.stringify(positionals[0])}; use --doc-id ID`);
  const docId = values['doc-id'] === undefined ? undefined : validateDocId(values['doc-id']);
  const olderThanMs = values['older-than'] === undefined ? undefined : parseDuration(values['older-than'], '--older-than');
  const config = configFrom(values);
  const pipeline = openPipeline(config);
  try {
    const { store } = pipeline.ports;
    if (docId !== undefined) {
      const cutoff = olderThanMs === undefined ? undefined : Date.now() - olderThanMs;
      const result = await recheckDocument(docId, (citation) => cutoff === undefined || newestCheckBefore(citation.checks, cutoff), pipeline.ports);
      if (result === undefined) throw new UsageError(`recheck: no record for doc id ${JSON.stringify(docId)} in ${store.documents.location()}`);
      if (result.rechecked > 0) process.stdout.write(`${summarize(result.record, store.documents)}\n`);
      process.stdout.write(`rechecked ${plural(result.rechecked, 'citation')} in 1 document\n`);
      return EXIT.ok;
    }
    const schedule: RecheckSchedule = olderThanMs === undefined ? WIDENING : { kind: 'fixed', olderThanMs };
    const plannedAt = Date.now();
    const plan = await planRecheckRun(store, { kind: 'recheck', schedule }, plannedAt);
    const updated: DocumentRecord[] = [];
    const result = await recheckDocuments({ documents: plan.documents, plannedAt, ports: pipeline.ports, onDocument: (record) => updated.push(record) });
    // Documents are updated several at once: print them in doc id order, as a listing would.
    for (const record of updated.sort((a, b) => a.docId.localeCompare(b.docId))) process.stdout.write(`${summarize(record, store.documents)}\n`);
    let exitCode: number = EXIT.ok;
    // One document that fails (its record damaged by hand, say) does not stop the others.
    for (const failure of result.failures) exitCode = Math.max(exitCode, reportError(failure.error));
    process.stdout.write(`rechecked ${plural(plan.targets.length, 'target')}: ${plural(result.citations, 'citation')} in ${plural(result.documents, 'document')}\n`);
    return exitCode;
  } finally {
    await pipeline.close();
  }
}

/** `reindex`: rebuilds the reverse index, the target states and the change log from the records. */
async function reindexCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('reindex', args, {});
  if (positionals.length > 0) throw new UsageError(`reindex: unexpected argument ${JSON.stringify(positionals[0])}`);
  const store = openDataDirStore({ dataDir: configFrom(values).dataDir });
  try {
    const result = await store.citing.rebuild();
    process.stdout.write(`reindexed ${plural(result.documents, 'document')}: ${plural(result.targets, 'target')}, ${plural(result.changes, 'status change')}\n`);
  } finally {
    await store.close();
  }
  return EXIT.ok;
}

const STATUSES: readonly Status[] = ['archived', 'deleted', 'suspended', 'protected', 'unavailable', 'unidentified', 'dead', 'blocked', 'failed'];

/** `changes [--since D] [--status S] [--json]`: the citations whose status changed within the window. */
async function changesCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('changes', args, {
    since: { type: 'string' },
    status: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (positionals.length > 0) throw new UsageError(`changes: unexpected argument ${JSON.stringify(positionals[0])}`);
  const sinceMs = parseDuration(values.since ?? '24h', '--since');
  const wanted = values.status;
  const status = wanted === undefined ? undefined : STATUSES.find((candidate) => candidate === wanted);
  if (wanted !== undefined && status === undefined) throw new UsageError(`--status: expected one of ${STATUSES.join(', ')}, got ${JSON.stringify(wanted)}`);
  const store = openDataDirStore({ dataDir: configFrom(values).dataDir });
  try {
    const since = new Date(Date.now() - sinceMs).toISOString();
    const changes = await store.changes.list(status === undefined ? { since } : { since, status });
    for (const change of changes) {
      const { at, docId, citationId, url, from, to } = change;
      process.stdout.write(values.json === true ? `${JSON.stringify({ at, docId, citationId, url, from, to })}\n` : `${at} ${docId} ${citationId} ${from} -> ${to} ${url}\n`);
    }
  } finally {
    await store.close();
  }
  return EXIT.ok;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
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
