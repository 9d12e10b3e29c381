import type { WarcFileReader } from '../capture/warc-reader.js';
import { WarcRecordInvalidError } from '../errors.js';
import { warcStoreName, type Capture, type Citation, type DocumentRecord } from '../model/index.js';
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
 * the capture's response and its request (tied by WARC-Concurrent-To), and from
 * the same WARC files the answers that led to it: each redirect hop of the
 * citation's link, and, for a post, each lookup that names its id (syndication,
 * oEmbed, the Wayback availability API). Where a URL was asked several times
 * (rechecks), the answer nearest in time to the capture is the one that led to it.
 */
export async function selectRecords(files: WarcFileReader, record: DocumentRecord): Promise<RecordSelection> {
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
    const candidates = new Map<string, WarcRecordEntry>();
    for (const entry of entries) {
      if (entry.type !== 'response' || entry.targetUri === undefined) continue;
      const leads = leadingUrls.has(entry.targetUri) || (postId !== undefined && namesPost(entry.targetUri, postId));
      if (!leads) continue;
      const best = candidates.get(entry.targetUri);
      if (!best || distance(entry, capturedAt) < distance(best, capturedAt)) candidates.set(entry.targetUri, entry);
    }
    for (const entry of candidates.values()) pick(path, entries, entry);
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
