import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { errnoCode, RecordUnreadableError, UsageError } from '../errors.js';
import type { DocumentRecord, TargetIndexEntry } from '../model/index.js';
import { openDataDirStore } from '../record/data-dir-store.js';
import { outcomeOfTargetFile } from '../record/data-dir-target-index.js';
import type { PostgresStore } from './postgres-store.js';

export interface ImportResult {
  /** Records written to the database. */
  documents: number;
  /** Records left as they were: the database holds the same one or a newer one. */
  kept: number;
  /** Records of the data dir that could not be read (edited or damaged by hand), by doc id. */
  unreadable: string[];
  /** Target index entries (links, posts, CDX lookups) written. */
  targets: number;
}

/** Records or entries written at once: enough to keep a few connections busy, few enough to leave the pool to others. */
const CONCURRENCY = 8;

/**
 * `citesnap import <data dir>`: loads a data dir's records (their captures' WARC
 * pointers as they are) and its target index into the database, so an archive moves
 * from one machine to many without asking any upstream again. The articles' texts
 * (`sources/`) go along, so that serve marks the citations in them. Idempotent: a record is
 * written unless the database holds one processed at the same time or later, an index
 * entry unless it holds one checked as late; the reverse index, the target states and
 * the status changes are derived as each record is written, as for any write. Journals
 * of checks in progress are not imported: a check cut short is asked again.
 */
export async function importDataDir(
  store: PostgresStore,
  dataDir: string,
  onProgress?: (progress: { documents: number; of: number }) => void,
): Promise<ImportResult> {
  const folder = await stat(dataDir).catch(() => undefined);
  if (!folder?.isDirectory()) throw new UsageError(`import: ${dataDir}: no such folder (expected a citesnap data dir)`);
  const source = openDataDirStore({ dataDir });
  const docIds = await source.documents.list();
  const hasIndex = await stat(join(dataDir, 'index')).then(
    (found) => found.isDirectory(),
    () => false,
  );
  if (docIds.length === 0 && !hasIndex)
    throw new UsageError(`import: ${dataDir}: not a citesnap data dir (no documents/ and no index/ in it)`);

  const result: ImportResult = { documents: 0, kept: 0, unreadable: [], targets: 0 };
  let done = 0;
  await forEachAtOnce(docIds, async (docId) => {
    let record: DocumentRecord | undefined;
    try {
      record = await source.documents.read(docId);
    } catch (error) {
      if (!(error instanceof RecordUnreadableError)) throw error;
      result.unreadable.push(docId);
    }
    if (record !== undefined) {
      if (await store.importRecord(record)) result.documents += 1;
      else result.kept += 1;
      // The article's text, which serve marks the citations in: kept once a text, as by archive.
      const text = await source.sources?.read(record.source.sha256);
      if (text !== undefined) await store.sources?.keep(record.source.sha256, text);
    }
    done += 1;
    onProgress?.({ documents: done, of: docIds.length });
  });
  await forEachAtOnce(await indexFiles(join(dataDir, 'index')), async (path) => {
    const entry = await readTargetEntry(path);
    if (entry !== undefined && (await store.importTarget(entry))) result.targets += 1;
  });
  result.unreadable.sort();
  return result;
}

async function forEachAtOnce<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, lane));
}

/** The data dir's index files, `index/<2 hex>/<sha256>.json`. */
async function indexFiles(folder: string): Promise<string[]> {
  const paths: string[] = [];
  for (const fanOut of await listNames(folder)) {
    for (const name of await listNames(join(folder, fanOut)))
      if (name.endsWith('.json')) paths.push(join(folder, fanOut, name));
  }
  return paths;
}

async function listNames(folder: string): Promise<string[]> {
  try {
    return (await readdir(folder)).filter((name) => !name.startsWith('.'));
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return [];
    throw error;
  }
}

/** A target file's outcome (`link:`, `post:`, `cdx:`); undefined for one holding only a journal, or cut short by a crash. */
async function readTargetEntry(path: string): Promise<TargetIndexEntry | undefined> {
  const entry = outcomeOfTargetFile(await readFile(path, 'utf8'), basename(path));
  return entry !== undefined && Number.isFinite(Date.parse(entry.checkedAt)) ? entry : undefined;
}
