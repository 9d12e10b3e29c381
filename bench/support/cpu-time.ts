// CPU time, the figure that still means something on a shared machine: wall-clock
// ratios move with the other processes' load, the CPU a run spends does much less.
import { readFileSync } from 'node:fs';

/** Linux's USER_HZ, the unit of /proc's CPU times (100 on every architecture Node runs on). */
const TICKS_PER_SECOND = 100;

/** utime, stime, cutime, cstime of /proc/<pid>/stat (or a thread's, `<pid>/task/<tid>`), in ticks. */
function cpuTicks(pid: number | 'self' | `self/task/${number}`): [number, number, number, number] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces and parentheses): state is field 3, utime 14.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
  return [utime ?? 0, stime ?? 0, cutime ?? 0, cstime ?? 0];
}

/** CPU milliseconds (user and system) a running process has spent so far. */
export function processCpuMs(pid: number): number {
  const [utime, stime] = cpuTicks(pid);
  return ((utime + stime) * 1000) / TICKS_PER_SECOND;
}

/** CPU milliseconds of this process's children that have exited and been reaped (Node reaps them as they exit). */
export function reapedChildrenCpuMs(): number {
  const [, , cutime, cstime] = cpuTicks('self');
  return ((cutime + cstime) * 1000) / TICKS_PER_SECOND;
}

/** CPU milliseconds this process has spent so far (microsecond resolution). */
export function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * CPU milliseconds this process's main thread has spent so far (Linux; 10 ms ticks).
 * The thread that runs JavaScript is the one a single process saturates first: file
 * system calls and large gzips also cost libuv's thread pool, which another core runs.
 */
export function mainThreadCpuMs(): number {
  const [utime, stime] = cpuTicks(`self/task/${process.pid}`);
  return ((utime + stime) * 1000) / TICKS_PER_SECOND;
}
