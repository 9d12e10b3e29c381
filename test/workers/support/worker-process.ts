// A worker process for lifecycle tests: the configuration from the environment, as
// `citesnap worker` reads it (the prefix and the shutdown grace among it), and the
// timing knobs (lock duration, stalled interval, lease times) from TEST_WORKER_OPTIONS,
// so that a killed worker's jobs are taken up in a second rather than in a minute.
// Logs JSON lines on stdout.
import { loadConfig } from '../../../src/config.js';
import { runWorker, type RunWorkerOptions } from '../../../workers/worker.js';

type Knobs = Pick<
  RunWorkerOptions,
  | 'concurrency'
  | 'lockDurationMs'
  | 'stalledIntervalMs'
  | 'claimTtlMs'
  | 'hostGateLeaseMs'
  | 'maxStalledCount'
  | 'recheckPartSize'
  | 'recheckConcurrency'
>;

const knobs = JSON.parse(process.env.TEST_WORKER_OPTIONS ?? '{}') as Knobs;
const running = await runWorker({ config: loadConfig(process.env), ...knobs });
await running.closed;
