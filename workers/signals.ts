import type { Shutdown } from './shutdown.js';

/**
 * SIGTERM and SIGINT close the worker gracefully; a second signal hands active jobs
 * back now rather than wait out the grace period. Returns what removes the handlers
 * (once closed, a signal is the default one again).
 */
export function closeOnSignals(shutdown: Pick<Shutdown, 'close' | 'started'>): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    void shutdown.close({ reason: signal, handBack: shutdown.started });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
}
