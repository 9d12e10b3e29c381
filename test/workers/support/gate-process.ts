// One process using the Redis host gate, for tests of what several processes see:
//   GATE_MODE=hammer    GET GATE_TARGET GATE_COUNT times at once, each through the gate
//                       for GATE_HOST, after a barrier at GATE_TARGET/go
//   GATE_MODE=slowdown  slow GATE_HOST down for GATE_DELAY_MS and exit
// Prints JSON lines: {"event":"done",...} when finished.
import { request } from 'node:http';
import { Redis } from 'ioredis';
import { RedisHostGate } from '../../../workers/redis-host-gate.js';
import { workerConnectionOptions } from '../../../workers/connection.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

const redis = new Redis(workerConnectionOptions(env('REDIS_URL'), `${env('GATE_PREFIX')}:gate-process`));
const gate = new RedisHostGate({
  redis,
  hostConcurrency: Number(env('GATE_LIMIT')),
  prefix: env('GATE_PREFIX'),
  pollMs: 50,
});
const host = env('GATE_HOST');

function get(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    request(url, { headers: { 'x-process': String(process.pid) } }, (response) => {
      response.resume();
      response.on('end', resolve);
    })
      .on('error', reject)
      .end();
  });
}

let slowedAt: number | undefined;
if (env('GATE_MODE') === 'slowdown') {
  slowedAt = Date.now();
  await gate.slowDown(host, Number(env('GATE_DELAY_MS')));
} else {
  const target = env('GATE_TARGET');
  await get(`${target}/go`);
  await Promise.all(
    Array.from({ length: Number(env('GATE_COUNT')) }, async () => {
      const release = await gate.acquire(host);
      try {
        await get(`${target}/work`);
      } finally {
        release();
      }
    }),
  );
}
process.stdout.write(`${JSON.stringify({ event: 'done', pid: process.pid, slowedAt })}\n`);
await gate.close();
await redis.quit();
