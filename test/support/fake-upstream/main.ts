// The fake upstreams as a process of their own, for benchmarks and queue tests whose
// workers run apart from the test:
//
//   node --import tsx test/support/fake-upstream/main.ts --scenario <file.json> [--latency-ms N]
//
// Prints one JSON line {"routes","httpsPort","httpPort"} on stdout once it serves, then
// serves until SIGTERM or SIGINT. `GET http://127.0.0.1:<httpPort>/__fake/stats` gives the
// request counts and in-flight peaks per host. The scenario format is in scenario-file.ts.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

import { FakeUpstream } from './fake-upstream.js';
import { loadScenario } from './scenario-file.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { scenario: { type: 'string' }, 'latency-ms': { type: 'string' } },
    strict: true,
  });
  const latencyMs = Number(values['latency-ms'] ?? '0');
  if (!Number.isInteger(latencyMs) || latencyMs < 0) {
    throw new Error(`--latency-ms: expected a whole number of milliseconds, got ${values['latency-ms']}`);
  }
  const scenario: unknown = values.scenario === undefined ? {} : JSON.parse(await readFile(values.scenario, 'utf8'));

  const upstream = await FakeUpstream.start({ latencyMs });
  try {
    loadScenario(upstream, scenario);
  } catch (error) {
    await upstream.close();
    throw error;
  }
  const stop = (): void => {
    // Closing the servers leaves nothing to wait for: the process then exits with 0.
    void upstream.close();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdout.write(
    `${JSON.stringify({ routes: upstream.routes, httpsPort: upstream.httpsPort, httpPort: upstream.httpPort })}\n`,
  );
}

try {
  await main();
} catch (error) {
  process.stderr.write(`fake-upstream: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
}
