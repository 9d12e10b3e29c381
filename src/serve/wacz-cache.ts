import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WarcFileReader } from '../capture/warc-reader.js';
import { writeWacz } from '../export/wacz.js';
import type { DocumentRecord } from '../model/index.js';

/**
 * The WACZ of each document, made by the export on first request and kept in a private
 * temp folder while the server runs: ReplayWeb.page reads a WACZ by byte ranges, which
 * needs a file of known length, and a second request (or a range of the first) must not
 * export again. A record that changes (a recheck) gets a new WACZ; the data dir is only
 * read.
 */
export class WaczCache {
  readonly #files: WarcFileReader;
  readonly #listFiles: () => Promise<string[]>;
  #folder: Promise<string> | undefined;
  /** By doc id: the record's digest it was made from, and the file (or its making). */
  readonly #made = new Map<string, { digest: string; path: Promise<string> }>();

  constructor(options: { files: WarcFileReader; listFiles: () => Promise<string[]> }) {
    this.#files = options.files;
    this.#listFiles = options.listFiles;
  }

  /** The path of the WACZ of `record`, as `recordText` (the stored file) says it now. */
  async pathOf(record: DocumentRecord, recordText: string): Promise<string> {
    const digest = createHash('sha256').update(recordText).digest('hex');
    const made = this.#made.get(record.docId);
    if (made?.digest === digest) return made.path;
    if (made) void made.path.then((old) => rm(old, { force: true })).catch(() => undefined);
    const path = this.#make(record, digest);
    this.#made.set(record.docId, { digest, path });
    // A failed export is tried again on the next request, not remembered.
    path.catch(() => {
      if (this.#made.get(record.docId)?.path === path) this.#made.delete(record.docId);
    });
    return path;
  }

  async close(): Promise<void> {
    if (this.#folder) await rm(await this.#folder, { recursive: true, force: true });
  }

  async #make(record: DocumentRecord, digest: string): Promise<string> {
    this.#folder ??= mkdtemp(join(tmpdir(), 'citesnap-serve-'));
    const folder = await this.#folder;
    const path = join(folder, `${record.docId}.${digest.slice(0, 16)}.wacz`);
    const temporary = `${path}.tmp`;
    try {
      await writeWacz({
        files: this.#files,
        listFiles: this.#listFiles,
        record,
        output: createWriteStream(temporary, { flags: 'w' }),
      });
      await rename(temporary, path);
      return path;
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }
}
