// A CPU profile of one stretch of a bench (the measured pass, not start-up or warm-up),
// written as a .cpuprofile file that Chrome DevTools and VS Code open.
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';

/** Starts profiling this process's main thread; the returned function stops and writes `path`. */
export async function startCpuProfile(path: string): Promise<() => Promise<void>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    await writeFile(path, JSON.stringify(profile));
  };
}
