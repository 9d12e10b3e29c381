import { EXIT, reportError, USAGE } from './command-line.js';
import { UsageError } from '../src/errors.js';
import { VERSION } from '../src/version.js';

/** What a command is given besides its arguments. */
export interface CommandIo {
  /** True once standard output's reader went away: stop writing to it, carry on. */
  stdoutClosed: () => boolean;
}

/**
 * Every command, by name: each parses its own arguments (cli/command-line.ts has
 * what they share: exit codes, usage, config flags, error lines) and is loaded only
 * when it runs, so `archive` never loads BullMQ or ioredis. A new command is one
 * module here and one line below (and its line in USAGE): serve, changes, reindex,
 * migrate and import go the same way.
 */
const COMMANDS: Record<string, (args: readonly string[], io: CommandIo) => Promise<number>> = {
  archive: async (args, io) => (await import('./archive.js')).archiveCommand(args, io),
  show: async (args) => (await import('./show.js')).showCommand(args),
  recheck: async (args) => (await import('./recheck.js')).recheckCommand(args),
  reindex: async (args) => (await import('./reindex.js')).reindexCommand(args),
  changes: async (args) => (await import('./changes.js')).changesCommand(args),
  export: async (args) => (await import('./export.js')).exportCommand(args),
  migrate: async (args) => (await import('./migrate.js')).migrateCommand(args),
  import: async (args) => (await import('./import.js')).importCommand(args),
  serve: async (args) => (await import('./serve.js')).serveCommand(args),
  enqueue: async (args) => (await import('./queue-commands.js')).runQueueCommand('enqueue', args),
  worker: async (args) => (await import('./queue-commands.js')).runQueueCommand('worker', args),
  schedule: async (args) => (await import('./queue-commands.js')).runQueueCommand('schedule', args),
};

/**
 * Runs one command and returns its exit code. Errors never escape as stack traces:
 * bad usage and bad input print one line and return 2, anything else one line and 1.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const stdoutClosed = guardStdout();
  try {
    const [command, ...rest] = argv;
    switch (command) {
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
    }
    const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (run === undefined)
      throw new UsageError(`unknown command ${JSON.stringify(command)}; run 'citesnap --help' for the commands`);
    return await run(rest, { stdoutClosed });
  } catch (error) {
    return reportError(error);
  }
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
