import type { Logger } from '../src/ports.js';
import { WORKER_DEFAULTS } from './defaults.js';
import { errorFields } from './log.js';
import { withTimeout } from './metrics.js';

/** What shutdown needs of a BullMQ Worker. */
export interface QueueWorker {
  close(): Promise<void>;
  cancelAllJobs(reason?: string): void;
}

export interface ShutdownOptions {
  /** The queue workers: they stop taking jobs first, and their active jobs finish or are handed back. */
  workers: readonly QueueWorker[];
  /** How long active jobs may run on before they are handed back (CITESNAP_SHUTDOWN_GRACE). */
  shutdownGraceMs: number;
  /** Closes the target claims: before the pipeline, so that a handed-back job's work claims nothing more. */
  closeClaims(): Promise<void>;
  /** Closes the pipeline (the HTTP client waits for requests in flight). */
  closePipeline(): Promise<void>;
  /** The rest, closed in order once the pipeline is, each failure logged and passed over. */
  closeRest: readonly { part: string; close: () => Promise<unknown> }[];
  log: Logger;
}

export interface Shutdown {
  /**
   * Stops taking jobs, lets active ones finish for up to `shutdownGraceMs` (or hands
   * them back at once when `handBack` is true), then closes everything. Idempotent:
   * called again while closing, `handBack` still hands active jobs back at once.
   */
  close: (options?: { handBack?: boolean; reason?: string }) => Promise<void>;
  /** True once close() has been called. */
  readonly started: boolean;
  /** Resolves once closed, whoever closed it. */
  readonly closed: Promise<void>;
}

/** The graceful shutdown of a worker process (BullMQ's "going to production"). */
export function createShutdown(options: ShutdownOptions): Shutdown {
  const { workers, shutdownGraceMs, log } = options;
  let closing: Promise<void> | undefined;
  let resolveClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  let handedBack = false;
  const handBackAll = (reason: string) => {
    handedBack = true;
    for (const worker of workers) worker.cancelAllJobs(reason);
  };

  const close = (closeOptions: { handBack?: boolean; reason?: string } = {}): Promise<void> => {
    if (closing) {
      if (closeOptions.handBack) handBackAll(closeOptions.reason ?? 'shutting down now');
      return closing;
    }
    closing = (async () => {
      const reason = closeOptions.reason ?? 'close';
      log.info('worker.closing', { reason, shutdownGraceMs: closeOptions.handBack ? 0 : shutdownGraceMs });
      const graceTimer = setTimeout(
        () => {
          log.warn('worker.grace_period_over', { shutdownGraceMs });
          handBackAll('shutdown grace period over');
        },
        closeOptions.handBack ? 0 : shutdownGraceMs,
      );
      // close() stops fetching at once and resolves when active jobs have finished or been handed back.
      await Promise.allSettled(workers.map((worker) => worker.close()));
      clearTimeout(graceTimer);
      // Before the pipeline: work of handed-back jobs may go on until the process
      // exits; it must claim nothing more, and what it holds goes back now, for the
      // worker taking over. (When no job was handed back, none holds a claim now.)
      await settle(log, 'claims', options.closeClaims());
      // A handed-back job's requests may still be in flight; closing the HTTP client waits
      // for them (each ends within CITESNAP_TIMEOUT_MS), which must not hold up the rest.
      const drainMs = WORKER_DEFAULTS.handedBackDrainMs;
      await settle(
        log,
        'pipeline',
        handedBack
          ? withTimeout(options.closePipeline(), drainMs, 'requests of handed-back jobs still in flight')
          : options.closePipeline(),
      );
      for (const { part, close: closePart } of options.closeRest) await settle(log, part, closePart());
      log.info('worker.closed', { reason });
      resolveClosed();
    })();
    return closing;
  };

  return {
    close,
    get started() {
      return closing !== undefined;
    },
    closed,
  };
}

async function settle(log: Logger, part: string, promise: Promise<unknown>): Promise<void> {
  try {
    await promise;
  } catch (error) {
    log.warn('worker.close_failed', { part, ...errorFields(error) });
  }
}
