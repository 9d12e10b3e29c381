import { resolve } from 'node:path';
import type { Redis } from 'ioredis';
import { checkSources, configFrom, EXIT, parseCommandArgs, reportError, sourceSpecOf } from './command-line.js';
import { parseDuration } from '../src/duration.js';
import { CitesnapError, messageOf, UsageError } from '../src/errors.js';
import { deriveDocId } from '../src/model/index.js';
import { loadSource } from '../src/source.js';
import { connectProducerRedis, isConnectionError, unavailable } from '../workers/connection.js';
import { WORKER_DEFAULTS } from '../workers/defaults.js';
import { parseArchiveJobData, type ArchiveJobData } from '../workers/job-data.js';
import { createJsonLogger } from '../workers/log.js';
import { archiveJobOptions, JOB, openDocumentsQueue, openMaintenanceQueue } from '../workers/queues.js';
import {
  DEFAULT_PATTERNS,
  formatSchedule,
  listSchedules,
  removeSchedule,
  upsertSchedules,
  validateCronPattern,
  type ScheduleSpec,
} from '../workers/schedules.js';
import { runWorker } from '../workers/worker.js';

/**
 * The queue's commands of contract section 3 (`enqueue`, `worker`, `schedule`; their
 * options are in USAGE, cli/command-line.ts), for cli/main.ts to dispatch to with a
 * dynamic import, so that `citesnap archive` never loads BullMQ. Each takes
 * `--data-dir DIR` like every command. Returns the exit code: 0 done, 2 bad usage or
 * input (one line on stderr), 1 Redis unreachable or another failure.
 *
 * Besides the variables of contract section 4, these read (through loadConfig):
 *   CITESNAP_QUEUE_PREFIX     BullMQ key prefix (default `citesnap`)
 *   CITESNAP_SHUTDOWN_GRACE   after SIGTERM, how long active jobs may finish before
 *                             they are handed back (default 20s)
 */
export type QueueCommand = 'enqueue' | 'worker' | 'schedule';

/** Where a command writes and what it reads: the process's own unless a test passes its own. */
export interface QueueCommandIo {
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  env?: NodeJS.ProcessEnv;
  /** Standard input, for an `enqueue -`. Default: the process's own. */
  stdin?: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

export async function runQueueCommand(
  command: QueueCommand,
  args: readonly string[],
  io: QueueCommandIo = {},
): Promise<number> {
  const out = io.stdout ?? ((text: string) => void process.stdout.write(text));
  const err = io.stderr ?? ((text: string) => void process.stderr.write(text));
  const env = io.env ?? process.env;
  try {
    switch (command) {
      case 'enqueue':
        return await enqueueCommand(args, { out, err, env, stdin: io.stdin });
      case 'worker':
        return await workerCommand(args, env);
      case 'schedule':
        return await scheduleCommand(args, { out, env });
      default:
        throw new UsageError(`unknown queue command ${JSON.stringify(command)}`);
    }
  } catch (error) {
    return reportError(error, err);
  }
}

function wholeNumber(value: string | undefined, where: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`${where}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

// ---- enqueue ------------------------------------------------------------------

async function enqueueCommand(
  args: readonly string[],
  io: {
    out: (text: string) => void;
    err: (text: string) => void;
    env: NodeJS.ProcessEnv;
    stdin: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | undefined;
  },
): Promise<number> {
  const { values, positionals } = parseCommandArgs('enqueue', args, {
    'doc-id': { type: 'string' },
    'by-path': { type: 'boolean' },
  });
  checkSources('enqueue', positionals, values['doc-id']);
  const config = configFrom(values, io.env);
  const prefix = config.queuePrefix;

  // Every source is checked before Redis is touched: bad input exits 2 with nothing enqueued.
  const jobs: ArchiveJobData[] = [];
  const reading = { byPath: values['by-path'] === true, maxBytes: config.maxSourceBytes, stdin: io.stdin };
  for (const source of positionals) jobs.push(await jobDataFor(source, values['doc-id'], reading));

  const client = await connectProducerRedis(config.redisUrl, { connectionName: `${prefix}:enqueue` });
  const queue = openDocumentsQueue({ connection: client, prefix });
  try {
    for (const data of jobs) {
      const waiting = await queue.getDeduplicationJobId(data.docId);
      const job = await queue.add(JOB.archive, data, archiveJobOptions(data.docId));
      if (job.id === undefined) throw new Error(`the queue gave no job id for ${data.docId}`);
      if (waiting !== null && waiting === job.id)
        io.err(`citesnap: ${data.docId}: already queued as job ${job.id}; not added again\n`);
      io.out(`${job.id}\n`);
    }
  } catch (error) {
    throw await asRedisError(error, client, config.redisUrl);
  } finally {
    await closeProducer(queue, client);
  }
  return EXIT.ok;
}

/**
 * The public job data for one command-line source. A file goes inline, as the
 * text read from it with its file URL as `uri` (contract section 9): the workers
 * need not share this machine's files, nor have a CITESNAP_SOURCE_ROOT. With
 * `byPath`, it goes as its absolute path instead, for workers whose root holds it.
 * Standard input goes inline; a URL as it is.
 */
async function jobDataFor(
  source: string,
  docIdFlag: string | undefined,
  reading: { byPath: boolean; maxBytes: number; stdin: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | undefined },
): Promise<ArchiveJobData> {
  const spec = sourceSpecOf(source);
  let data: ArchiveJobData;
  if ('url' in spec) {
    data = { docId: docIdFlag ?? deriveDocId(spec), source: spec };
  } else if ('path' in spec && reading.byPath) {
    const path = resolve(spec.path);
    // Read here as a worker would (a regular file, within the cap), so bad input exits 2 now.
    await loadSource({ path }, { maxBytes: reading.maxBytes });
    data = { docId: docIdFlag ?? deriveDocId({ path }), source: { path } };
  } else {
    const loaded = await loadSource(spec, {
      maxBytes: reading.maxBytes,
      ...(reading.stdin === undefined ? {} : { stdin: reading.stdin }),
    });
    const docId = docIdFlag ?? deriveDocId('path' in spec ? { path: resolve(spec.path) } : { content: loaded.bytes });
    const text = loaded.text;
    data = {
      docId,
      source: loaded.mediaType === 'text/html' ? { html: text, uri: loaded.uri } : { text, uri: loaded.uri },
    };
  }
  try {
    return parseArchiveJobData(data);
  } catch (error) {
    throw new UsageError(`${source}: ${messageOf(error)}`);
  }
}

// ---- worker -------------------------------------------------------------------

async function workerCommand(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseCommandArgs('worker', args, {
    concurrency: { type: 'string' },
    'metrics-port': { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`worker: unexpected argument ${JSON.stringify(positionals[0])}`);
  const concurrency = wholeNumber(values.concurrency, '--concurrency', 1, 1000) ?? WORKER_DEFAULTS.concurrency;
  const metricsPort = wholeNumber(values['metrics-port'], '--metrics-port', 0, 65535);
  const config = configFrom(values, env);
  const running = await runWorker({
    config,
    concurrency,
    log: createJsonLogger(),
    ...(metricsPort === undefined ? {} : { metricsPort }),
  });
  await running.closed;
  return EXIT.ok;
}

// ---- schedule -----------------------------------------------------------------

async function scheduleCommand(
  args: readonly string[],
  io: { out: (text: string) => void; env: NodeJS.ProcessEnv },
): Promise<number> {
  const { values, positionals } = parseCommandArgs('schedule', args, {
    recheck: { type: 'string' },
    'retry-failed': { type: 'string' },
    'older-than': { type: 'string' },
    list: { type: 'boolean' },
    remove: { type: 'string', multiple: true },
  });
  if (positionals.length > 0) throw new UsageError(`schedule: unexpected argument ${JSON.stringify(positionals[0])}`);
  const removals = values.remove ?? [];
  const onlyListOrRemove = values.list === true || removals.length > 0;
  const explicit = values.recheck !== undefined || values['retry-failed'] !== undefined;
  if (values['older-than'] !== undefined && explicit && values.recheck === undefined) {
    throw new UsageError('schedule: --older-than goes with --recheck');
  }
  // Without it the scheduled recheck follows the widening schedule (contract section 10).
  const olderThan = values['older-than'];
  if (olderThan !== undefined) parseDuration(olderThan, '--older-than');

  // Nothing asked but schedulers: both, with their default patterns.
  const upsertAll = !explicit && !onlyListOrRemove;
  const specs: ScheduleSpec[] = [];
  if (values.recheck !== undefined || upsertAll)
    specs.push({
      name: JOB.recheck,
      pattern: values.recheck ?? DEFAULT_PATTERNS[JOB.recheck],
      ...(olderThan === undefined ? {} : { olderThan }),
    });
  if (values['retry-failed'] !== undefined || upsertAll)
    specs.push({ name: JOB.retryFailed, pattern: values['retry-failed'] ?? DEFAULT_PATTERNS[JOB.retryFailed] });
  // Checked before Redis: a bad pattern is bad usage, whatever Redis says.
  for (const spec of specs) validateCronPattern(spec.pattern, `--${spec.name}`);

  const config = configFrom(values, io.env);
  const prefix = config.queuePrefix;
  const client = await connectProducerRedis(config.redisUrl, { connectionName: `${prefix}:schedule` });
  const queue = openMaintenanceQueue({ connection: client, prefix });
  try {
    for (const name of removals) {
      if (!(await removeSchedule(queue, name)))
        throw new UsageError(`schedule --remove: no scheduler named ${JSON.stringify(name)}`);
    }
    if (specs.length > 0) {
      for (const info of await upsertSchedules(queue, specs)) io.out(`${formatSchedule(info)}\n`);
    }
    if (values.list === true) {
      for (const info of await listSchedules(queue)) io.out(`${formatSchedule(info)}\n`);
    }
  } catch (error) {
    throw await asRedisError(error, client, config.redisUrl);
  } finally {
    await closeProducer(queue, client);
  }
  return EXIT.ok;
}

// ---- shared -------------------------------------------------------------------

async function closeProducer(queue: { close(): Promise<void> }, client: Redis): Promise<void> {
  await queue.close().catch(() => undefined);
  client.disconnect();
}

/** A connection lost during a command is an infrastructure failure (exit 1) with the usual message. */
async function asRedisError(error: unknown, client: Redis, redisUrl: string): Promise<unknown> {
  if (error instanceof CitesnapError) return error;
  return (await isConnectionError(error, client)) ? unavailable(redisUrl, error) : error;
}
