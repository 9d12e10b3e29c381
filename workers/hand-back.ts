import { HandBack } from '../src/errors.js';

/**
 * Settles with `work`, or rejects with HandBack as soon as `signal` aborts (the
 * worker is shutting down). The work goes on in the background (its result is then
 * dropped): the process is about to exit, and whatever it wrote is what a rerun
 * would write.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  work.catch(() => undefined);
  if (signal.aborted) return Promise.reject(new HandBack(reasonOf(signal)));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new HandBack(reasonOf(signal)));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Throws HandBack between two steps of a long job once shutdown has begun. */
export function throwIfHandedBack(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new HandBack(reasonOf(signal));
}

function reasonOf(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : 'shutting down';
}
