import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A citesnap test process: its output so far and the JSON log events it printed. */
export interface TestProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** The JSON lines printed on stdout so far. */
  lines(): Record<string, unknown>[];
  /** Resolves with the first JSON line on stdout whose `event` is `event` (and that `match` accepts). */
  event(event: string, match?: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
}

/**
 * Runs a TypeScript file of this repository in a node process of its own (through tsx).
 * `nodeArgs`: flags for node itself, such as `--cpu-prof` (which NODE_OPTIONS may not hold).
 */
export function spawnTsx(
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  nodeArgs: readonly string[] = [],
): TestProcess {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const events: Record<string, unknown>[] = [];
  const listeners = new Set<() => void>();
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    const start = stdout.lastIndexOf('\n') + 1;
    stdout += chunk;
    for (const line of stdout.slice(start).split('\n').slice(0, -1)) {
      if (!line.startsWith('{')) continue;
      try {
        events.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
    for (const listener of listeners) listener();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve(code ?? signal ?? 'unknown');
      for (const listener of listeners) listener();
    });
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    lines: () => [...events],
    exited,
    event: (name, match = () => true) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find((line) => line.event === name && match(line));
          if (found) {
            listeners.delete(check);
            resolve(found);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            listeners.delete(check);
            reject(new Error(`the process ended before logging ${name}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
          }
        };
        listeners.add(check);
        check();
      }),
  };
}

/** `citesnap <command> ...` through cli/queue-commands.ts, as cli/main.ts dispatches it. */
export function spawnQueueCli(args: readonly string[], env: NodeJS.ProcessEnv): TestProcess {
  return spawnTsx('test/workers/support/queue-cli.ts', args, env);
}
