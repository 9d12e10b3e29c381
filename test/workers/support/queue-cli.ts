// Runs one queue command as `citesnap <command>` would once cli/main.ts dispatches to
// it: `node --import tsx test/workers/support/queue-cli.ts enqueue a.html`.
import { runQueueCommand, type QueueCommand } from '../../../cli/queue-commands.js';

const [command, ...args] = process.argv.slice(2);
process.exitCode = await runQueueCommand(command as QueueCommand, args);
