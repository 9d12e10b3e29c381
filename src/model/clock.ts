/**
 * The time, for everything a record, an index entry or a WARC record stamps, and
 * for the host gate's slowdowns. It lives on the ground floor so that net/ can take
 * one too; tests pass a fixed or stepping one, or vitest's fake time.
 */
export interface Clock {
  now(): Date;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => new Date() };
