import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig, type Config, type ConfigFlags } from '../src/config.js';
import { CitesnapError, messageOf, UsageError } from '../src/errors.js';
import { validateDocId } from '../src/model/index.js';

/**
 * What every `citesnap` command shares, those of cli/main.ts and the queue's of
 * cli/queue-commands.ts alike: exit codes, the usage text, argument parsing, the
 * configuration and the one line an error becomes. Nothing here loads BullMQ or
 * ioredis, so that `citesnap archive` never does.
 */

/** Exit codes of contract section 3. */
export const EXIT = { ok: 0, internal: 1, usage: 2 } as const;

export const USAGE = `usage: citesnap <command> [options]

  archive <source>... [--doc-id ID] [--json] [--no-sidecar]
                    run the whole pipeline in this process (file, - for stdin, or http(s) URL)
  show <doc-id>     print the document record
  export <doc-id> [--out FILE]
                    write the document's WACZ (default <doc-id>.wacz here)
  serve [--host H] [--port P]
                    show the archive in a browser, read-only (default 127.0.0.1:8080)
  recheck [--doc-id ID] [--older-than DURATION]
                    ask again about the due targets (widening schedule, or newest check older than
                    DURATION), once each, updating every document citing them; --doc-id alone: all
                    of that document's citations, now
  reindex           rebuild the reverse index and the change log from the records
  migrate           create or upgrade the database's schema (CITESNAP_DATABASE_URL)
  import <data dir> load a data dir's records and target index into the database (CITESNAP_DATABASE_URL)
  changes [--since DURATION] [--status STATUS] [--json]
                    list the citations whose status changed (default: the last 24h)
  enqueue <source>... [--doc-id ID] [--by-path]
                    add archive jobs to the queue (file, - for stdin, or http(s) URL); prints one job id a line;
                    a file goes inline, or as its path with --by-path (the workers' CITESNAP_SOURCE_ROOT must hold it)
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
 * Prints one line for an error that ended a command (or one of its sources) and
 * returns its exit code. Bad usage or input is 2. Any other citesnap error has a
 * stable code and a message written for the user (Redis unreachable, a sidecar not
 * written): it is 1, said as it is. Anything else is a bug: 1, said to be one, with
 * the stack when CITESNAP_DEBUG is set.
 */
export function reportError(error: unknown, writeError: (text: string) => void = writeToStderr): number {
  if (error instanceof CitesnapError) {
    writeError(`citesnap: ${error.message}\n`);
    return error instanceof UsageError ? EXIT.usage : EXIT.internal;
  }
  const message = error instanceof Error ? error.message : String(error);
  writeError(`citesnap: internal error: ${message.split('\n')[0] ?? ''}\n`);
  if (process.env.CITESNAP_DEBUG && error instanceof Error) writeError(`${error.stack ?? ''}\n`);
  return EXIT.internal;
}

function writeToStderr(text: string): void {
  process.stderr.write(text);
}

/** Parses a command's arguments, with the options every command takes; a parse error is bad usage (exit 2), not a crash. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  args: readonly string[],
  options: T,
) {
  try {
    return parseArgs({
      args: [...args],
      options: { ...CONFIG_OPTIONS, ...options },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(`${command}: ${messageOf(error)}`);
  }
}

/** The configuration from the environment, with the command's flags winning. */
export function configFrom(
  values: { 'data-dir'?: unknown },
  env: NodeJS.ProcessEnv = process.env,
  commandFlags: ConfigFlags = {},
): Config {
  const flags: ConfigFlags = { ...commandFlags };
  if (typeof values['data-dir'] === 'string') flags.dataDir = values['data-dir'];
  return loadConfig(env, flags);
}

/**
 * The checks `archive` and `enqueue` make on their sources before reading any:
 * at least one, `--doc-id` with a single one only, standard input once.
 */
export function checkSources(command: string, sources: readonly string[], docId: string | undefined): void {
  if (sources.length === 0)
    throw new UsageError(`${command}: expected at least one source (a file, - for stdin, or an http(s) URL)`);
  if (docId !== undefined && sources.length > 1)
    throw new UsageError(`${command}: --doc-id goes with a single source only`);
  if (docId !== undefined) validateDocId(docId);
  if (sources.filter((source) => source === '-').length > 1)
    throw new UsageError(`${command}: standard input (-) can be read once only`);
}

/** What a source given on the command line names. */
export type CommandLineSource = { stdin: true } | { url: string } | { path: string };

/** `-` is standard input, an http(s) URL is fetched, anything else without a scheme is a file. */
export function sourceSpecOf(source: string): CommandLineSource {
  if (source === '-') return { stdin: true };
  if (/^https?:\/\//i.test(source)) return { url: source };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source))
    throw new UsageError(`${source}: unsupported scheme, expected a file, - or an http(s) URL`);
  return { path: source };
}
