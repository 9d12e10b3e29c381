import type { Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../src/ports.js';
import { errorFields } from './log.js';

/** Logs a connection going away and coming back, once each, not every reconnection attempt. */
export function watchConnection(client: Redis, name: string, log: Logger): void {
  let down = false;
  client.on('error', (error: Error) => {
    if (down) return;
    down = true;
    log.warn('redis.unreachable', { connection: name, ...errorFields(error) });
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    log.info('redis.reconnected', { connection: name });
  });
}

/** Logs a worker's errors (each kind once in a row), its reconnection, stalled jobs and jobs failed for good. */
export function watchWorker(worker: Worker<unknown>, queue: string, log: Logger): void {
  let lastError = '';
  worker.on('error', (error: Error) => {
    // A Redis outage repeats the same error on every attempt: log each kind once in a row.
    const text = errorFields(error).error;
    if (text === lastError) return;
    lastError = text;
    log.warn('worker.error', { queue, ...errorFields(error) });
  });
  worker.on('ready', () => {
    if (lastError !== '') log.info('worker.reconnected', { queue });
    lastError = '';
  });
  worker.on('failed', (job: Job<unknown> | undefined, error: Error) => {
    if (!job) return;
    const attempts = job.opts.attempts ?? 1;
    const final = job.finishedOn !== undefined || job.attemptsMade >= attempts || error.name === 'UnrecoverableError';
    if (!final) return;
    const docId = docIdOf(job.data);
    log.error('job.failed', {
      queue,
      jobId: job.id,
      ...(docId === undefined ? {} : { docId }),
      attempts: job.attemptsMade,
      reason: error.message,
    });
  });
  worker.on('stalled', (jobId: string) => log.warn('job.stalled', { queue, jobId }));
}

function docIdOf(data: unknown): string | undefined {
  return typeof data === 'object' && data !== null && 'docId' in data && typeof data.docId === 'string'
    ? data.docId
    : undefined;
}
