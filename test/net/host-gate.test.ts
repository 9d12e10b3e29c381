import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InProcessHostGate } from '../../src/net/host-gate.js';

/** Resolves true when `promise` settles within a turn of the event loop, false otherwise. */
async function settlesNow(promise: Promise<unknown>): Promise<boolean> {
  const pending = Symbol('pending');
  const result = await Promise.race([
    promise.then(() => true),
    new Promise((resolve) => setImmediate(() => resolve(pending))),
  ]);
  return result !== pending;
}

describe('InProcessHostGate', () => {
  it('lets hostConcurrency requests in per host and queues the rest, first come first served', async () => {
    const gate = new InProcessHostGate({ hostConcurrency: 2 });
    const releaseA = await gate.acquire('x.com');
    const releaseB = await gate.acquire('x.com');
    const otherHost = gate.acquire('t.co');
    expect(await settlesNow(otherHost)).toBe(true);

    const admitted: string[] = [];
    const third = gate.acquire('x.com').then((release) => (admitted.push('third'), release));
    const fourth = gate.acquire('x.com').then((release) => (admitted.push('fourth'), release));
    expect(await settlesNow(third)).toBe(false);

    releaseA();
    releaseA(); // a second call must not free a second place
    expect(await settlesNow(third)).toBe(true);
    expect(await settlesNow(fourth)).toBe(false);
    releaseB();
    await fourth;
    expect(admitted).toEqual(['third', 'fourth']);
  });

  it('admits the waiting by order, lower first, the same order and none first come first served', async () => {
    const gate = new InProcessHostGate({ hostConcurrency: 1 });
    const release = await gate.acquire('x.com');
    const admitted: string[] = [];
    const wait = (name: string, order?: number) =>
      gate.acquire('x.com', undefined, order).then((next) => {
        admitted.push(name);
        next();
      });
    const waiting = [wait('none'), wait('doc 2 first', 2), wait('doc 1', 1), wait('doc 2 second', 2), wait('doc 0', 0)];
    release();
    await Promise.all(waiting);
    expect(admitted).toEqual(['doc 0', 'doc 1', 'doc 2 first', 'doc 2 second', 'none']);
  });

  describe('on fake time', () => {
    beforeEach(() => {
      // setImmediate stays real: settlesNow() needs a real turn of the event loop.
      vi.useFakeTimers({ now: new Date('2026-11-30T12:00:00Z'), toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('holds everyone back while a host is slowed down, and never shortens a slowdown', async () => {
      const gate = new InProcessHostGate({ hostConcurrency: 4 });
      gate.slowDown('x.com', 300);
      gate.slowDown('x.com', 10);
      const waiting = gate.acquire('x.com');
      expect(await settlesNow(waiting)).toBe(false);
      await vi.advanceTimersByTimeAsync(299);
      expect(await settlesNow(waiting)).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(await settlesNow(waiting)).toBe(true);
      // Another host was never held back.
      expect(await settlesNow(gate.acquire('t.co'))).toBe(true);
    });

    it('lets the waiting in one after another as places free up once a slowdown ends', async () => {
      const gate = new InProcessHostGate({ hostConcurrency: 1 });
      gate.slowDown('x.com', 1_000);
      const first = gate.acquire('x.com');
      const second = gate.acquire('x.com');
      await vi.advanceTimersByTimeAsync(1_000);
      const release = await first;
      expect(await settlesNow(second)).toBe(false);
      release();
      expect(await settlesNow(second)).toBe(true);
    });
  });

  it('reads "now" from the clock it is given', async () => {
    let now = new Date('2026-11-30T12:00:00Z');
    const gate = new InProcessHostGate({ hostConcurrency: 1, clock: { now: () => now } });
    gate.slowDown('x.com', 60_000);
    // An hour later by the gate's clock the minute's slowdown is over, whatever the wall clock says.
    now = new Date('2026-11-30T13:00:00Z');
    expect(await settlesNow(gate.acquire('x.com'))).toBe(true);
  });

  it('gives up waiting when the signal aborts, without losing the place of the next in line', async () => {
    const gate = new InProcessHostGate({ hostConcurrency: 1 });
    const release = await gate.acquire('x.com');
    const controller = new AbortController();
    const abandoned = gate.acquire('x.com', controller.signal);
    const next = gate.acquire('x.com');
    controller.abort(new Error('job cancelled'));
    await expect(abandoned).rejects.toThrow('job cancelled');
    release();
    expect(await settlesNow(next)).toBe(true);
  });

  it('refuses at once with an already aborted signal', async () => {
    const gate = new InProcessHostGate({ hostConcurrency: 1 });
    await expect(gate.acquire('x.com', AbortSignal.abort(new Error('too late')))).rejects.toThrow('too late');
  });

  it('refuses a concurrency that is not a whole number of at least 1', () => {
    expect(() => new InProcessHostGate({ hostConcurrency: 0 })).toThrow(RangeError);
    expect(() => new InProcessHostGate({ hostConcurrency: 1.5 })).toThrow(RangeError);
  });
});
