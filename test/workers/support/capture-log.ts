import type { Logger } from '../../../src/ports.js';
import { createJsonLogger } from '../../../workers/log.js';

/** A logger that keeps its lines, so a test can await a named event. */
export function captureLogger(): {
  log: Logger;
  lines: Record<string, unknown>[];
  event(name: string, match?: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
} {
  const lines: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  const log = createJsonLogger({
    level: 'debug',
    write: (line) => {
      lines.push(JSON.parse(line) as Record<string, unknown>);
      for (const waiter of waiters) waiter();
    },
  });
  return {
    log,
    lines,
    event: (name, match = () => true) =>
      new Promise((resolve) => {
        const check = () => {
          const found = lines.find((line) => line.event === name && match(line));
          if (found) {
            waiters.delete(check);
            resolve(found);
          }
        };
        waiters.add(check);
        check();
      }),
  };
}
