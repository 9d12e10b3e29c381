import { asError } from '../errors.js';
import { systemClock, type Clock } from '../model/clock.js';

/**
 * A place at a host gate, held from acquire() until it is called (calling it again
 * does nothing).
 */
export interface HostPlace {
  (): void;
  /**
   * Aborts when the place is lost while held: a gate shared through leases could not
   * renew this one in time, so its lease may run out and another process take the
   * place. The request holding it must stop at once, or the host would have more than
   * the limit in flight. The in-process gate never loses a place.
   */
  readonly lost: AbortSignal;
}

/** A place whose release is `release`; `lost` defaults to a signal that never aborts. */
export function hostPlace(release: () => void, lost: AbortSignal = new AbortController().signal): HostPlace {
  return Object.assign(() => release(), { lost });
}

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
   *
   * `order` ranks the requests waiting for `host`: lower first, the same in arrival
   * order, none after every ranked one. The pipeline passes the order in which its
   * documents started, so that the requests of the document that started first go
   * first: documents then finish one after the other, in the order they started, and
   * the next ones are read and extracted while the others' requests keep the places
   * full. Served first come, first served, documents started together all finish
   * together, and the places stand idle while the next ones start (bench/capture
   * measured 53 of 64 places held on average, 61 with the order). The Redis gate
   * shared by workers serves first come, first served across processes, and ignores it.
   */
  acquire(host: string, signal?: AbortSignal, order?: number): Promise<HostPlace>;
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
  order: number;
}

interface HostState {
  inFlight: number;
  /** By order, then first come, first served. */
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

  acquire(host: string, signal?: AbortSignal, order = Number.POSITIVE_INFINITY): Promise<HostPlace> {
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
        order,
        admit: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.#releaseFunction(host, state));
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      state.waiting.splice(placeInLine(state.waiting, order), 0, waiter);
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

  #releaseFunction(host: string, state: HostState): HostPlace {
    let released = false;
    return hostPlace(() => {
      if (released) return;
      released = true;
      state.inFlight -= 1;
      this.#update(host, state);
    });
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

/** The index before which a waiter of `order` goes: after every waiter of the same order or lower. */
function placeInLine(waiting: readonly Waiter[], order: number): number {
  let low = 0;
  let high = waiting.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (waiting[middle]!.order <= order) low = middle + 1;
    else high = middle;
  }
  return low;
}
