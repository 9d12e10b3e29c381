import { asError } from '../errors.js';
import { systemClock, type Clock } from '../model/clock.js';

/**
 * Limits requests per host: how many may be in flight at once, and a pause for
 * everyone after the host said "too many requests". The HTTP client holds one
 * for every attempt, from connecting to the last body byte. The in-process gate
 * below serves one process; the queue workers share a Redis-backed one.
 */
export interface HostGate {
  /**
   * Waits until a request to `host` may start: fewer than the limit in flight and
   * the host not slowed down. Resolves to the release function, to call once the
   * response is done with (calling it again does nothing). Rejects with the
   * signal's reason when `signal` aborts first.
   */
  acquire(host: string, signal?: AbortSignal): Promise<() => void>;
  /**
   * Holds back new requests to `host` for `delayMs` from now (after a 429 or 503).
   * A shorter slowdown never cuts a longer one short.
   */
  slowDown(host: string, delayMs: number): void | Promise<void>;
}

export interface InProcessHostGateOptions {
  /** Requests in flight to one host at once; an integer of 1 or more. */
  hostConcurrency: number;
  /** What "now" is for slowdowns. Default: the wall clock. */
  clock?: Clock;
}

interface Waiter {
  admit(): void;
}

interface HostState {
  inFlight: number;
  /** First come, first served. */
  waiting: Waiter[];
  /** Epoch milliseconds until which no request may start. */
  slowedUntil: number;
  /** Fires when the slowdown ends; keeps the process alive only while someone waits. */
  wakeTimer: NodeJS.Timeout | undefined;
}

/** A HostGate for one process: the CLI's default, and each client's when none is given. */
export class InProcessHostGate implements HostGate {
  readonly #hostConcurrency: number;
  readonly #hosts = new Map<string, HostState>();
  readonly #clock: Clock;

  constructor({ hostConcurrency, clock = systemClock }: InProcessHostGateOptions) {
    if (!Number.isInteger(hostConcurrency) || hostConcurrency < 1) {
      throw new RangeError(`hostConcurrency must be an integer of 1 or more, not ${hostConcurrency}`);
    }
    this.#hostConcurrency = hostConcurrency;
    this.#clock = clock;
  }

  acquire(host: string, signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(asError(signal.reason));
    const state = this.#stateOf(host);
    if (state.waiting.length === 0 && this.#mayStart(state)) {
      state.inFlight += 1;
      return Promise.resolve(this.#releaseFunction(host, state));
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        state.waiting.splice(state.waiting.indexOf(waiter), 1);
        this.#update(host, state);
        reject(asError(signal?.reason));
      };
      const waiter: Waiter = {
        admit: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.#releaseFunction(host, state));
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      state.waiting.push(waiter);
      this.#update(host, state);
    });
  }

  slowDown(host: string, delayMs: number): void {
    const state = this.#stateOf(host);
    state.slowedUntil = Math.max(state.slowedUntil, this.#now() + delayMs);
    this.#update(host, state);
  }

  #now(): number {
    return this.#clock.now().getTime();
  }

  #stateOf(host: string): HostState {
    let state = this.#hosts.get(host);
    if (state === undefined) {
      state = { inFlight: 0, waiting: [], slowedUntil: 0, wakeTimer: undefined };
      this.#hosts.set(host, state);
    }
    return state;
  }

  #mayStart(state: HostState): boolean {
    return state.inFlight < this.#hostConcurrency && this.#now() >= state.slowedUntil;
  }

  #releaseFunction(host: string, state: HostState): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      state.inFlight -= 1;
      this.#update(host, state);
    };
  }

  /** Admits whoever may start now, arranges to be woken when a slowdown ends, and forgets idle hosts. */
  #update(host: string, state: HostState): void {
    while (state.waiting.length > 0 && this.#mayStart(state)) {
      state.inFlight += 1;
      state.waiting.shift()?.admit();
    }
    const slowedForMs = state.slowedUntil - this.#now();
    if (slowedForMs > 0 && state.wakeTimer === undefined) {
      state.wakeTimer = setTimeout(() => {
        state.wakeTimer = undefined;
        this.#update(host, state);
      }, slowedForMs);
    }
    // A slowdown alone must not keep a finished CLI run alive; a waiting request must.
    if (state.waiting.length > 0) state.wakeTimer?.ref();
    else state.wakeTimer?.unref();
    if (state.inFlight === 0 && state.waiting.length === 0 && state.wakeTimer === undefined) {
      this.#hosts.delete(host);
    }
  }
}
