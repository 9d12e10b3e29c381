import { describe, expect, it } from 'vitest';
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

  it('holds everyone back while a host is slowed down, and never shortens a slowdown', async () => {
    const gate = new InProcessHostGate({ hostConcurrency: 4 });
    gate.slowDown('x.com', 300);
    gate.slowDown('x.com', 10);
    const startedAt = Date.now();
    const release = await gate.acquire('x.com');
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(290);
    release();
    expect(await settlesNow(gate.acquire('t.co'))).toBe(true);
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
