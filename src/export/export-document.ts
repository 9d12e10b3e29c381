import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { dataDirWarcReader, type WarcFileReader } from '../capture/warc-reader.js';
import { UsageError } from '../errors.js';
import { validateDocId } from '../model/index.js';
import type { DocumentRecords } from '../ports.js';
import { openDataDirStore } from '../record/data-dir-store.js';
import { dataDirWarcFileNames } from '../warc-store/index.js';
import { writeWacz, type WaczSummary } from './wacz.js';

export interface ExportDocumentOptions {
  dataDir: string;
  /** Where the record is read (the configured store); default: the data dir's records. */
  documents?: DocumentRecords;
  /** Reads the WARC files of the captures (the configured WARC store); default: the data dir's `warc` folder. */
  warcFiles?: WarcFileReader;
  /** The names of the files in that store (WarcStore.list); default: the data dir's `warc` folder's. */
  listWarcFiles?: () => Promise<string[]>;
  docId: string;
  /** Where the WACZ goes. Default: `<docId>.wacz` in the current folder. */
  outPath?: string;
  now?: () => Date;
}

/**
 * `citesnap export`: the document's WACZ, written beside its final name and renamed
 * into place when complete, so a WACZ at that path is never half a file. An unknown
 * doc id is bad input.
 */
export async function exportDocument(options: ExportDocumentOptions): Promise<WaczSummary & { path: string }> {
  const docId = validateDocId(options.docId, 'export');
  const documents = options.documents ?? openDataDirStore({ dataDir: options.dataDir }).documents;
  const record = await documents.read(docId);
  if (!record) throw new UsageError(`export: no record for doc id ${JSON.stringify(docId)} in ${documents.location()}`);

  const path = resolve(options.outPath ?? `${docId}.wacz`);
  const folder = await stat(dirname(path)).catch(() => undefined);
  if (!folder?.isDirectory())
    throw new UsageError(`export: --out ${options.outPath ?? path}: no such folder ${dirname(path)}`);
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    const summary = await writeWacz({
      files: options.warcFiles ?? dataDirWarcReader(options.dataDir),
      listFiles: options.listWarcFiles ?? dataDirWarcFileNames(options.dataDir),
      record,
      output: createWriteStream(temporary, { flags: 'wx' }),
      ...(options.now ? { now: options.now } : {}),
    });
    await rename(temporary, path);
    return { ...summary, path };
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
