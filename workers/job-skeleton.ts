import { UnrecoverableError, WaitingError, type Job } from 'bullmq';
import { HandBack, messageOf } from '../src/errors.js';
import type { LogFields, Logger } from '../src/ports.js';
import { errorFields } from './log.js';
import type { JobOutcome, WorkerMetrics } from './metrics.js';

/** Where a job runs: its queue, and the worker's log and metrics. */
export interface JobContext {
  queue: string;
  log: Logger;
  metrics?: WorkerMetrics | undefined;
}

/** How a processor's error ends its job, when it is not a plain failure to retry. */
export interface JobEnding {
  outcome: JobOutcome;
  event: string;
  fields: LogFields;
  /** What BullMQ gets: UnrecoverableError (no retry), DelayedError (moved to delayed), … */
  thrown: Error;
}

/** What a processor adds to the skeleton. */
export interface JobSpec<Data, Result> {
  /** Fields on every line of the job's log (before its data is read). */
  jobFields: LogFields;
  /** Reads the job's data; throws for bad data, which fails the job at once without retries. */
  parse(job: Job<unknown, Result>): Data;
  /** Fields of the `job.invalid` line when parse() threw (what can be told of the bad data). */
  invalidFields?(data: unknown): LogFields;
  /** Fields on every line once the data is read (the docId), and on `job.started`. */
  dataFields?(data: Data): LogFields;
  startedFields?(data: Data): LogFields;
  /** The work. Throws HandBack (workers/hand-back.ts) when shutdown asks for the job back. */
  run(data: Data, log: Logger): Promise<Result>;
  completedFields(result: Result): LogFields;
  /** Fields of `job.handed_back` besides the reason (the progress so far). */
  handedBackFields?(): LogFields;
  /** Turns an error of run() into a special ending (bad input, a rate limit); undefined: a plain failure, retried. */
  ending?(error: unknown, data: Data, log: Logger): Promise<JobEnding | undefined>;
  /** Fields of `job.error` besides the error's own. */
  errorFields?(job: Job<unknown, Result>): LogFields;
}

/**
 * The one skeleton of every processor (as BullMQ's guide has it, errors named for
 * what the queue must do next): a log line when the job starts and ends, its
 * duration and outcome in the metrics; bad data fails at once (UnrecoverableError);
 * shutdown hands the job back to the queue (WaitingError); anything else is thrown
 * as it is, to be retried while attempts remain.
 */
export async function runJob<Data, Result>(
  job: Job<unknown, Result>,
  token: string | undefined,
  context: JobContext,
  spec: JobSpec<Data, Result>,
): Promise<Result> {
  const started = performance.now();
  const jobLog = context.log.child({ queue: context.queue, jobId: job.id, ...spec.jobFields });
  const finish = (outcome: JobOutcome) =>
    context.metrics?.jobRun(context.queue, job.name, outcome, (performance.now() - started) / 1000);

  let data: Data;
  try {
    data = spec.parse(job);
  } catch (error) {
    finish('invalid');
    jobLog.warn('job.invalid', { ...spec.invalidFields?.(job.data), ...errorFields(error) });
    throw new UnrecoverableError(messageOf(error));
  }
  const log = spec.dataFields === undefined ? jobLog : jobLog.child(spec.dataFields(data));
  log.info('job.started', spec.startedFields?.(data) ?? {});

  try {
    const result = await spec.run(data, log);
    finish('completed');
    log.info('job.completed', { durationMs: Math.round(performance.now() - started), ...spec.completedFields(result) });
    return result;
  } catch (error) {
    if (error instanceof HandBack) {
      await job.moveToWait(token);
      finish('handed_back');
      log.info('job.handed_back', { reason: error.message, ...spec.handedBackFields?.() });
      throw new WaitingError();
    }
    const ending = await spec.ending?.(error, data, log);
    if (ending !== undefined) {
      finish(ending.outcome);
      log.warn(ending.event, ending.fields);
      throw ending.thrown;
    }
    finish('error');
    log.error('job.error', { ...spec.errorFields?.(job), ...errorFields(error) });
    throw error;
  }
}
