import type { WarcFileReader } from '../capture/warc-reader.js';
import { WarcRecordInvalidError } from '../errors.js';
import {
  parseWarcFileName,
  recordedWarcFile,
  warcStoreName,
  type Capture,
  type Citation,
  type DocumentRecord,
  type WarcFileNameParts,
} from '../model/index.js';
import { listWarcRecords, type WarcRecordEntry } from './warc-scan.js';

/** One capture of a document: a citation's own, or one of its post's photos. */
export interface DocumentCapture {
  citation: Citation;
  capture: Capture;
  /** Index into `citation.post.media` for a photo; absent for the citation's own capture. */
  mediaIndex?: number;
}

/** The records of one source WARC file that go into the export, in file order. */
export interface SelectedWarcFile {
  /** The file as records name it, `warc/<name>`. */
  file: string;
  /** The file's own name: the export keeps it under `archive/`. */
  name: string;
  /** The warcinfo record first (when the file has one), then the picked records by offset. */
  records: WarcRecordEntry[];
}

export interface SelectRecordsOptions {
  /**
   * The WARC store's file names (WarcStore.list), asked only when a capture's own file
   * lacks some of the answers that led to it. Without it, only that file is searched.
   */
  listFiles?: () => Promise<string[]>;
}

export interface RecordSelection {
  files: SelectedWarcFile[];
  /** The WARC-Target-URI of each capture's response record, in `capturesOf` order. */
  capturedUrls: string[];
}

/** Every capture of the document in the article's order: each citation's own, then its photos'. */
export function capturesOf(record: DocumentRecord): DocumentCapture[] {
  const captures: DocumentCapture[] = [];
  for (const citation of record.citations) {
    if (citation.capture) captures.push({ citation, capture: citation.capture });
    for (const [mediaIndex, media] of (citation.post?.media ?? []).entries()) {
      if (media.capture) captures.push({ citation, capture: media.capture, mediaIndex });
    }
  }
  return captures;
}

/**
 * Picks the WARC records that show how each capture of the document came to be:
 * the capture's response and its request (tied by WARC-Concurrent-To), and the
 * answers that led to it: each redirect hop of the citation's link, and, for a post,
 * each lookup that names its id (syndication, oEmbed, the Wayback availability API).
 * They are sought in the capture's own file first; a hop not there was written to
 * another file (a file rolls by size, and an S3 store's whenever a record waits on it;
 * a check taken over ran on another machine), so the store's files written while the
 * check ran are searched too, nearest in time first, until every hop is found. Where a
 * URL was asked several times (rechecks), the answer nearest in time to the capture is
 * the one that led to it.
 */
export async function selectRecords(
  files: WarcFileReader,
  record: DocumentRecord,
  options: SelectRecordsOptions = {},
): Promise<RecordSelection> {
  const captures = capturesOf(record);
  const listings = new Map<string, WarcRecordEntry[]>();
  const listingOf = async (file: string): Promise<WarcRecordEntry[]> => {
    let entries = listings.get(file);
    if (!entries) {
      entries = await listWarcRecords(files.readAll(file));
      listings.set(file, entries);
    }
    return entries;
  };
  let storeFiles: Promise<StoreFile[]> | undefined;
  const { listFiles } = options;
  const storeFilesOnce = listFiles && ((): Promise<StoreFile[]> => (storeFiles ??= listStoreFiles(listFiles)));

  const picked = new Map<string, Map<number, WarcRecordEntry>>();
  const pick = (path: string, entries: WarcRecordEntry[], response: WarcRecordEntry): void => {
    let offsets = picked.get(path);
    if (!offsets) picked.set(path, (offsets = new Map<number, WarcRecordEntry>()));
    offsets.set(response.offset, response);
    const request = entries.find(
      (entry) =>
        entry.type === 'request' && entry.concurrentTo !== undefined && entry.concurrentTo === response.recordId,
    );
    if (request) offsets.set(request.offset, request);
  };

  const capturedUrls: string[] = [];
  for (const { citation, capture } of captures) {
    const path = capture.warc.file;
    // A name that would leave the store (a record edited by hand) is refused before anything is read.
    warcStoreName(path);
    const entries = await listingOf(path);
    const response = entries.find(
      (entry) => entry.offset === capture.warc.offset && entry.length === capture.warc.length,
    );
    if (response?.type !== 'response' || response.targetUri === undefined) {
      throw new WarcRecordInvalidError(
        `${capture.warc.file} at offset ${capture.warc.offset}: no response record there (citation ${citation.id})`,
      );
    }
    capturedUrls.push(response.targetUri);
    pick(path, entries, response);

    const capturedAt = Date.parse(capture.at);
    const leadingUrls = new Set(
      (citation.link?.hops ?? []).filter((hop) => hop.status !== 0).map((hop) => withoutFragment(hop.url)),
    );
    const postId = citation.post?.id;
    const found = new Map<string, { path: string; entries: WarcRecordEntry[]; entry: WarcRecordEntry }>();
    const search = (path: string, entries: WarcRecordEntry[]): void => {
      for (const entry of entries) {
        if (entry.type !== 'response' || entry.targetUri === undefined) continue;
        const leads = leadingUrls.has(entry.targetUri) || (postId !== undefined && namesPost(entry.targetUri, postId));
        if (!leads) continue;
        const best = found.get(entry.targetUri);
        if (!best || distance(entry, capturedAt) < distance(best.entry, capturedAt))
          found.set(entry.targetUri, { path, entries, entry });
      }
    };
    const allFound = (): boolean => [...leadingUrls].every((url) => found.has(url));
    search(path, entries);
    if (!allFound() && storeFilesOnce) {
      for (const other of filesWhileChecked(await storeFilesOnce(), citation, capturedAt, path)) {
        search(other, await listingOf(other));
        if (allFound()) break;
      }
    }
    for (const { path: foundIn, entries: foundEntries, entry } of found.values()) pick(foundIn, foundEntries, entry);
  }

  const selected: SelectedWarcFile[] = [];
  for (const [path, offsets] of picked) {
    const warcinfo = (listings.get(path) ?? []).find((entry) => entry.type === 'warcinfo');
    const records = [...offsets.values()].sort((a, b) => a.offset - b.offset);
    selected.push({
      file: path,
      name: warcStoreName(path),
      records: warcinfo && !offsets.has(warcinfo.offset) ? [warcinfo, ...records] : records,
    });
  }
  selected.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { files: selected, capturedUrls };
}

/** A file of the store, as records name it (`warc/<name>`), and what its name says. */
interface StoreFile extends WarcFileNameParts {
  file: string;
}

/** The store's files named as citesnap names them; a name that would leave the store is not one. */
async function listStoreFiles(listFiles: () => Promise<string[]>): Promise<StoreFile[]> {
  const storeFiles: StoreFile[] = [];
  for (const name of await listFiles()) {
    const parts = parseWarcFileName(name);
    const file = recordedWarcFile(name);
    if (parts && isStoreName(file)) storeFiles.push({ file, ...parts });
  }
  return storeFiles;
}

function isStoreName(file: string): boolean {
  try {
    warcStoreName(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * The files, other than the capture's own `except`, that may hold answers of the check
 * that led to the capture, nearest in time first: those opened from the check's start
 * to the capture (or its file's opening, if later),
 * and each writer's newest file opened before the check's start (it was open then).
 * The check is the latest one that began no later than the capture; without one, the
 * capture's time stands for it.
 */
function filesWhileChecked(
  files: readonly StoreFile[],
  citation: Citation,
  capturedAt: number,
  except: string,
): string[] {
  const checkStarts = citation.checks.map((check) => Date.parse(check.at)).filter((at) => at <= capturedAt);
  const checkedFrom = checkStarts.length === 0 ? capturedAt : Math.max(...checkStarts);
  // A capture's time is when its request began; its file may have been opened after, once
  // the answer came, and so may a file of hops written while it was being asked.
  const capturedIn = parseWarcFileName(warcStoreName(except))?.createdAt ?? capturedAt;
  const until = Math.max(capturedAt, capturedIn);
  const during = files.filter((file) => file.createdAt >= checkedFrom && file.createdAt <= until);
  const openAtStart = new Map<string, StoreFile>();
  for (const file of files) {
    if (file.createdAt >= checkedFrom) continue;
    const newest = openAtStart.get(file.writer);
    if (!newest || newerFirst(file, newest) < 0) openAtStart.set(file.writer, file);
  }
  return [...during, ...openAtStart.values()]
    .filter((file) => file.file !== except)
    .sort(newerFirst)
    .map((file) => file.file);
}

function newerFirst(a: StoreFile, b: StoreFile): number {
  return b.createdAt - a.createdAt || b.sequence - a.sequence;
}

/** A lookup names the post by its id: `?id=<id>` (syndication) or `/status/<id>` in a query (oEmbed, Wayback). */
function namesPost(targetUri: string, postId: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(targetUri);
  } catch {
    decoded = targetUri;
  }
  return new RegExp(`(?:[?&]id=|/status(?:es)?/)${postId}(?![0-9])`).test(decoded);
}

function distance(entry: WarcRecordEntry, capturedAt: number): number {
  const at = entry.date === undefined ? Number.NaN : Date.parse(entry.date);
  return Number.isNaN(at) ? Number.POSITIVE_INFINITY : Math.abs(at - capturedAt);
}

/** A hop's URL as its WARC-Target-URI was written: parsed, without a fragment (which never goes over the wire). */
function withoutFragment(url: string): string {
  if (!URL.canParse(url)) return url;
  const parsed = new URL(url);
  parsed.hash = '';
  return parsed.href;
}
