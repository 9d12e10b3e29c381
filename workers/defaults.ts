/**
 * The worker's defaults, in one place: the CLI's `worker` command, runWorker and
 * the processors all read them from here (each option's doc says what it does).
 */
export const WORKER_DEFAULTS = {
  /** Documents processed at once by one worker process (`--concurrency`). */
  concurrency: 4,
  /**
   * Maintenance jobs (a recheck's plan and parts) at once in one worker process. Two, so
   * that one part's last documents, waiting on their targets' answers, overlap the next
   * part's first: one at a time left the host's places idle at each of a run's hundred
   * part ends (bench:recheck, one worker at host limit 4: 1.32x the per-host floor, 1.17x
   * with two).
   */
  maintenanceConcurrency: 2,
  /** BullMQ's job lock: a worker that dies has its jobs taken up about this long after. */
  lockDurationMs: 30_000,
  /** How often each worker looks for stalled jobs (those whose lock expired). */
  stalledIntervalMs: 30_000,
  /** Times a job may stall (its worker died) before it fails. */
  maxStalledCount: 2,
  /** Lease of a place in the Redis host gate: how long a dead process holds it. */
  hostGateLeaseMs: 5_000,
  /** Lease of a target or document claim: how long a dead process keeps others from a target it was checking. */
  claimTtlMs: 10_000,
  /** How long an archive job waits after the article's host answered 429 or 503 (±20 %). */
  rateLimitDelayMs: 60_000,
  /** Rate-limit delays before a job counts the next one as a failed attempt. */
  maxRateLimitDelays: 10,
  /** How long the requests of handed-back jobs may hold up closing the HTTP client. */
  handedBackDrainMs: 5_000,
  /** How long /healthz waits for Redis to answer PING. */
  healthPingTimeoutMs: 1_000,
} as const;
