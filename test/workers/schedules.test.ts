import type { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { runQueueCommand } from '../../cli/queue-commands.js';
import { redisOptionsFromUrl } from '../../workers/connection.js';
import { openMaintenanceQueue } from '../../workers/queues.js';
import {
  formatSchedule,
  listSchedules,
  nextRun,
  upsertSchedules,
  validateCronPattern,
} from '../../workers/schedules.js';
import { spawnQueueCli } from './support/processes.js';
import { adminRedis, deleteKeys, testRedisUrl, uniquePrefix } from './support/redis.js';

describe('cron patterns', () => {
  it.each([
    ['0 3 * * *', '0 3 * * *'],
    ['  30   */6 * * * ', '30 */6 * * *'],
    ['0 0 1 1 *', '0 0 1 1 *'],
    ['*/15 * * * mon-fri', '*/15 * * * mon-fri'],
  ])('accepts %j', (pattern, normalised) => {
    expect(validateCronPattern(pattern, '--recheck')).toBe(normalised);
  });

  it.each(['', 'nightly', '0 3 * *', '61 * * * *', '0 25 * * *', '* * * * * * *'])(
    'refuses %j naming the flag',
    (pattern) => {
      expect(() => validateCronPattern(pattern, '--recheck')).toThrow(UsageError);
      expect(() => validateCronPattern(pattern, '--recheck')).toThrow(
        /^--recheck: expected a cron pattern of 5 fields/,
      );
    },
  );

  it('reads patterns in UTC', () => {
    expect(nextRun('0 3 * * *', new Date('2026-03-29T01:30:00Z'))?.toISOString()).toBe('2026-03-29T03:00:00.000Z');
    expect(nextRun('30 */6 * * *', new Date('2026-03-29T06:30:00Z'))?.toISOString()).toBe('2026-03-29T12:30:00.000Z');
  });

  it('prints name, pattern and next run', () => {
    expect(formatSchedule({ name: 'recheck', pattern: '0 3 * * *', next: new Date('2026-01-01T03:00:00Z') })).toBe(
      'recheck 0 3 * * * 2026-01-01T03:00:00.000Z',
    );
  });
});

describe('schedulers in Redis', () => {
  const prefix = uniquePrefix();
  let queue: Queue | undefined;

  afterEach(async () => {
    await queue?.obliterate({ force: true });
    await queue?.close();
    queue = undefined;
    const admin = adminRedis();
    await deleteKeys(admin, prefix);
    await admin.quit();
  });

  it('upserted twice, leaves one of each with one pending job each', async () => {
    queue = openMaintenanceQueue({ connection: redisOptionsFromUrl(testRedisUrl()), prefix });
    const specs = [
      { name: 'recheck', pattern: '0 3 * * *', olderThan: '7d' },
      { name: 'retry-failed', pattern: '30 */6 * * *' },
    ] as const;
    await upsertSchedules(queue, specs);
    const second = await upsertSchedules(queue, [
      { name: 'recheck', pattern: '0 4 * * *', olderThan: '14d' },
      specs[1],
    ]);
    expect(second.map((info) => [info.name, info.pattern])).toEqual([
      ['recheck', '0 4 * * *'],
      ['retry-failed', '30 */6 * * *'],
    ]);
    const listed = await listSchedules(queue);
    expect(listed).toHaveLength(2);
    for (const info of listed) {
      const expected = nextRun(info.pattern, new Date(Date.now() - 5_000));
      expect(info.next?.getTime()).toBeGreaterThan(Date.now() - 5_000);
      expect(Math.abs((info.next?.getTime() ?? 0) - (expected?.getTime() ?? 0))).toBeLessThan(60_000);
    }
    expect(await queue.getDelayedCount()).toBe(2);
    const [recheck] = await queue
      .getJobSchedulers(0, -1, true)
      .then((all) => all.filter((one) => one.key === 'recheck'));
    expect(recheck?.template?.data).toEqual({ olderThan: '14d' });
    expect(recheck?.tz).toBe('UTC');
  });

  it('upserted by two processes at once, leaves one of each', async () => {
    const env = { REDIS_URL: testRedisUrl(), CITESNAP_QUEUE_PREFIX: prefix };
    const args = ['schedule', '--recheck', '0 2 * * *', '--retry-failed', '15 * * * *'];
    const runs = [spawnQueueCli(args, env), spawnQueueCli(args, env)];
    const codes = await Promise.all(runs.map((run) => run.exited));
    expect(codes, runs.map((run) => run.stderr()).join('\n')).toEqual([0, 0]);
    for (const run of runs) {
      expect(run.stdout()).toMatch(
        /^recheck 0 2 \* \* \* \d{4}-\d\d-\d\dT02:00:00\.000Z\nretry-failed 15 \* \* \* \* \d{4}-\d\d-\d\dT\d\d:15:00\.000Z\n$/,
      );
    }
    queue = openMaintenanceQueue({ connection: redisOptionsFromUrl(testRedisUrl()), prefix });
    const listed = await listSchedules(queue);
    expect(listed.map((info) => `${info.name} ${info.pattern}`)).toEqual([
      'recheck 0 2 * * *',
      'retry-failed 15 * * * *',
    ]);
    expect(await queue.getDelayedCount()).toBe(2);
  });

  it('lists, removes, and refuses what it cannot do (schedule command)', async () => {
    const env = { ...process.env, REDIS_URL: testRedisUrl(), CITESNAP_QUEUE_PREFIX: prefix };
    const run = async (...args: string[]) => {
      let stdout = '';
      let stderr = '';
      const code = await runQueueCommand('schedule', args, {
        env,
        stdout: (text) => (stdout += text),
        stderr: (text) => (stderr += text),
      });
      return { code, stdout, stderr };
    };
    const created = await run();
    expect(created.code, created.stderr).toBe(0);
    expect(
      created.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split(' ').slice(0, -1).join(' ')),
    ).toEqual(['recheck 0 3 * * *', 'retry-failed 30 */6 * * *']);
    expect((await run('--remove', 'retry-failed')).code).toBe(0);
    const listed = await run('--list');
    expect(listed.stdout).toMatch(/^recheck 0 3 \* \* \* \S+Z\n$/);
    expect(await run('--remove', 'retry-failed')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'citesnap: schedule --remove: no scheduler named "retry-failed"\n',
    });
    expect(await run('--recheck', 'every night')).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^citesnap: --recheck: expected a cron pattern/) as string,
    });
    expect(await run('--older-than', 'soon')).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^citesnap: --older-than: expected a duration/) as string,
    });
    expect(await run('--retry-failed', '0 * * * *', '--older-than', '3d')).toMatchObject({
      code: 2,
      stderr: 'citesnap: schedule: --older-than goes with --recheck\n',
    });
    expect(await run('now')).toMatchObject({ code: 2 });
    const down = await runQueueCommand('schedule', ['--list'], {
      env: { ...env, REDIS_URL: 'redis://127.0.0.1:1' },
      stderr: () => undefined,
      stdout: () => undefined,
    });
    expect(down).toBe(1);
  });
});
