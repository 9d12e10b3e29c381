import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../errors.js';
import type { SourceTexts } from '../ports.js';
import { writeFileAtomic } from './atomic-file.js';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * The articles' decoded texts under `<dataDir>/sources/<sha256>.txt`, UTF-8. A file
 * is named by the hash of the source's bytes, so one that exists already holds the
 * same text and is left alone; a name that is not a sha256 is never a path.
 */
export class DataDirSourceTexts implements SourceTexts {
  readonly directory: string;

  constructor(options: { dataDir: string }) {
    this.directory = join(options.dataDir, 'sources');
  }

  async keep(sha256: string, text: string): Promise<void> {
    const path = this.#pathOf(sha256);
    if (path === undefined) throw new Error(`not a sha256: ${JSON.stringify(sha256)}`);
    const existing = await stat(path).catch(() => undefined);
    if (existing?.isFile()) return;
    await writeFileAtomic(path, text);
  }

  async read(sha256: string): Promise<string | undefined> {
    const path = this.#pathOf(sha256);
    if (path === undefined) return undefined;
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return undefined;
      throw error;
    }
  }

  #pathOf(sha256: string): string | undefined {
    return SHA256_HEX.test(sha256) ? join(this.directory, `${sha256}.txt`) : undefined;
  }
}
