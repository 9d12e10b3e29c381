import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig, type Config, type ConfigFlags } from './config.js';
import { CitesnapError, UsageError } from './errors.js';
import { parseDuration } from './duration.js';
import { archiveDocument, openPipeline, recheckDocument } from './pipeline.js';
import { newestCheckBefore } from './record/checks.js';
import { deriveDocId, validateDocId } from './record/doc-id.js';
import { DocumentStore } from './record/store.js';
import type { DocumentRecord } from './record/types.js';
import { loadSource, type SourceSpec } from './source.js';
import { VERSION } from './version.js';

/** Exit codes of contract section 3. */
export const EXIT = { ok: 0, internal: 1, usage: 2 } as const;

const USAGE = `usage: citesnap <command> [options]

  archive <source>... [--doc-id ID] [--json] [--no-sidecar]
                    run the whole pipeline in this process (file, - for stdin, or http(s) URL)
  show <doc-id>     print the document record
  recheck [--doc-id ID] [--older-than DURATION]
                    ask again about citations whose newest check is older (default 7d)
  enqueue <source>... [--doc-id ID]
                    add archive jobs to the queue (file, - for stdin, or http(s) URL); prints one job id a line
  worker [--concurrency N] [--metrics-port P]
                    run the queue workers until SIGTERM/SIGINT
  schedule [--recheck CRON] [--retry-failed CRON] [--older-than DURATION] [--list] [--remove NAME]
                    create or update the cron schedulers (UTC), list them, or remove one
  --version         print the version

Configuration comes from CITESNAP_* environment variables (see the README).`;

/** Options every command accepts: they override the matching environment variables. */
const CONFIG_OPTIONS = {
  'data-dir': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

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

function reportError(error: unknown): number {
  if (error instanceof UsageError) {
    process.stderr.write(`citesnap: ${error.message}\n`);
    return EXIT.usage;
  }
  const message = error instanceof CitesnapError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`citesnap: internal error: ${message.split('\n')[0] ?? ''}\n`);
  if (process.env.CITESNAP_DEBUG) process.stderr.write(`${(error as Error).stack ?? ''}\n`);
  return EXIT.internal;
}

/** Parses a command's arguments; a parse error is bad usage (exit 2), not a crash. */
function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(command: string, args: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...args], options: { ...CONFIG_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message}`);
  }
}

function configFrom(values: { 'data-dir'?: string | boolean | undefined }): Config {
  const flags: ConfigFlags = {};
  if (typeof values['data-dir'] === 'string') flags.dataDir = values['data-dir'];
  return loadConfig(process.env, flags);
}

async function archiveCommand(args: readonly string[], stdoutClosed: () => boolean): Promise<number> {
  const { values, positionals } = parseCommandArgs('archive', args, {
    'doc-id': { type: 'string' },
    json: { type: 'boolean' },
    'no-sidecar': { type: 'boolean' },
  });
  if (positionals.length === 0) throw new UsageError('archive: expected at least one source (a file, - for stdin, or an http(s) URL)');
  if (values['doc-id'] !== undefined && positionals.length > 1) {
    throw new UsageError('archive: --doc-id goes with a single source only');
  }
  if (values['doc-id'] !== undefined) validateDocId(values['doc-id']);
  if (positionals.filter((source) => source === '-').length > 1) throw new UsageError('archive: standard input (-) can be read once only');
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
  try {
    const docIds = docId === undefined ? await pipeline.ports.store.list() : [docId];
    const cutoff = Date.now() - olderThanMs;
    let total = 0;
    for (const id of docIds) {
      const result = await recheckDocument(id, (citation) => newestCheckBefore(citation.checks, cutoff), pipeline.ports);
      if (result === undefined) throw new UsageError(`recheck: no record for doc id ${JSON.stringify(id)} in ${pipeline.ports.store.directory}`);
      total += result.rechecked;
      if (result.rechecked > 0) process.stdout.write(`${summarize(result.record, pipeline.ports.store)}\n`);
    }
    process.stdout.write(`rechecked ${total} citation${total === 1 ? '' : 's'} in ${docIds.length} document${docIds.length === 1 ? '' : 's'}\n`);
  } finally {
    await pipeline.close();
  }
  return EXIT.ok;
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

function sourceSpecOf(source: string): SourceSpec {
  if (source === '-') return { stdin: true };
  if (/^https?:\/\//i.test(source)) return { url: source };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) throw new UsageError(`${source}: unsupported scheme, expected a file, - or an http(s) URL`);
  return { path: source };
}

function summarize(record: DocumentRecord, store: DocumentStore): string {
  const byStatus = new Map<string, number>();
  for (const citation of record.citations) byStatus.set(citation.status, (byStatus.get(citation.status) ?? 0) + 1);
  const counts = [...byStatus].map(([status, count]) => `${count} ${status}`).join(', ');
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
