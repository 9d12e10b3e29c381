// A WACZ 1.1.1 file for one document: its WARC records, a CDXJ index over them,
// pages.jsonl, datapackage.json and datapackage-digest.json, zipped with yazl.
//
// The parts are written to a private temp folder first, each hashed as it is
// written, then zipped from there: nothing of a capture is ever held in memory
// whole, and datapackage.json (which needs every other file's digest) comes last.

import { createHash, randomUUID, type Hash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Writable } from 'node:stream';
import { ZipFile } from 'yazl';
import type { WarcFileReader } from '../capture/warc-reader.js';
import type { DocumentRecord } from '../model/index.js';
import { VERSION } from '../version.js';
import { indexWarcFile, sortCdxjLines } from './cdxj.js';
import { capturesOf, selectRecords, type DocumentCapture } from './select-records.js';

export const WACZ_VERSION = '1.1.1';

export interface WriteWaczOptions {
  /** Reads the WARC files the record's captures name, from whichever store holds them. */
  files: WarcFileReader;
  /**
   * The WARC store's file names, where the answers that led to a capture are sought when
   * its own file lacks some (select-records.ts). Without it, only that file is searched.
   */
  listFiles?: () => Promise<string[]>;
  record: DocumentRecord;
  /** Receives the zip bytes; ended when the WACZ is complete. */
  output: Writable;
  /** The `created` date. Default: the system clock. */
  now?: () => Date;
}

/** One file of the package, as datapackage.json lists it. */
export interface WaczResource {
  name: string;
  path: string;
  hash: string;
  bytes: number;
}

export interface WaczSummary {
  resources: WaczResource[];
  /** The number of WARC records exported. */
  records: number;
  /** The number of lines of pages.jsonl after its header. */
  pages: number;
}

interface PageEntry {
  id: string;
  url: string;
  ts: string;
  title: string;
}

/** Writes the document's WACZ to `output`. Reads the WARC files named by the record's captures through `files`. */
export async function writeWacz(options: WriteWaczOptions): Promise<WaczSummary> {
  const { files, record, output } = options;
  const created = (options.now ?? (() => new Date()))();
  const workDir = await mkdtemp(join(tmpdir(), 'citesnap-wacz-'));
  try {
    const selection = await selectRecords(files, record, options.listFiles ? { listFiles: options.listFiles } : {});
    const parts: { resource: WaczResource; localPath: string }[] = [];

    let recordCount = 0;
    const indexLines: string[] = [];
    for (const [fileIndex, file] of selection.files.entries()) {
      const localPath = join(workDir, `archive-${fileIndex}.warc.gz`);
      const digest = await writeHashed(localPath, async (sink) => {
        for (const entry of file.records) {
          // Each record's gzip member is copied as it is (one range read, from a folder or
          // S3): its digests and its bytes stay the archived ones.
          await write(sink, await files.readRange({ file: file.file, offset: entry.offset, length: entry.length }));
        }
      });
      recordCount += file.records.length;
      indexLines.push(...(await indexWarcFile(localPath, file.name)));
      parts.push({ resource: { name: file.name, path: `archive/${file.name}`, ...digest }, localPath });
    }

    const indexPath = join(workDir, 'index.cdxj');
    const indexDigest = await writeHashed(indexPath, async (sink) => {
      for (const line of sortCdxjLines(indexLines)) await write(sink, line);
    });
    parts.push({ resource: { name: 'index.cdxj', path: 'indexes/index.cdxj', ...indexDigest }, localPath: indexPath });

    const pages = pageEntries(capturesOf(record), selection.capturedUrls);
    const pagesPath = join(workDir, 'pages.jsonl');
    const pagesDigest = await writeHashed(pagesPath, async (sink) => {
      await write(sink, `${JSON.stringify({ format: 'json-pages-1.0', id: 'pages', title: titleOf(record) })}\n`);
      for (const page of pages) await write(sink, `${JSON.stringify(page)}\n`);
    });
    parts.push({ resource: { name: 'pages.jsonl', path: 'pages/pages.jsonl', ...pagesDigest }, localPath: pagesPath });

    const resources = parts.map((part) => part.resource);
    const datapackage = Buffer.from(
      `${JSON.stringify(
        {
          profile: 'data-package',
          wacz_version: WACZ_VERSION,
          title: titleOf(record),
          created: created.toISOString(),
          software: `citesnap/${VERSION}`,
          ...(pages[0] ? { mainPageURL: pages[0].url, mainPageDate: pages[0].ts } : {}),
          resources,
        },
        null,
        2,
      )}\n`,
    );
    const datapackageDigest = Buffer.from(
      `${JSON.stringify({ path: 'datapackage.json', hash: sha256Of(datapackage) }, null, 2)}\n`,
    );

    const zip = new ZipFile();
    const zipped = pipeline(zip.outputStream, output);
    // Stored, not deflated: a WACZ reader fetches records by byte range straight out of the zip.
    for (const part of parts) zip.addFile(part.localPath, part.resource.path, { compress: false, mtime: created });
    zip.addBuffer(datapackage, 'datapackage.json', { compress: false, mtime: created });
    zip.addBuffer(datapackageDigest, 'datapackage-digest.json', { compress: false, mtime: created });
    zip.end();
    await zipped;
    return { resources, records: recordCount, pages: pages.length };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** One page for each capture with its URL as archived, its time, and a title a person can pick it by. */
function pageEntries(captures: DocumentCapture[], capturedUrls: string[]): PageEntry[] {
  return captures.map((entry, index) => ({
    id: randomUUID(),
    url: capturedUrls[index] ?? '',
    ts: entry.capture.at,
    title: pageTitle(entry),
  }));
}

function pageTitle({ citation, mediaIndex }: DocumentCapture): string {
  const post = citation.post;
  if (post) {
    const author = post.handle ? `@${post.handle}` : (post.authorName ?? 'a post');
    if (mediaIndex !== undefined) return `Photo ${mediaIndex + 1} of ${author}'s post${post.id ? ` ${post.id}` : ''}`;
    const text = post.text ?? post.embed?.text;
    return text ? `${author}: ${shorten(text, 120)}` : `${author}, post ${post.id ?? citation.id}`;
  }
  return citation.link?.page?.title ?? citation.link?.finalUrl ?? citation.link?.url ?? citation.id;
}

function titleOf(record: DocumentRecord): string {
  return record.source.title ?? `citesnap: ${record.docId}`;
}

function shorten(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

function sha256Of(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Writes a file through `fill`, hashing every byte on its way: returns the file's `sha256:<hex>` and size. */
async function writeHashed(
  path: string,
  fill: (sink: Writable) => Promise<void>,
): Promise<{ hash: string; bytes: number }> {
  const hash: Hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.byteLength;
      callback(null, chunk);
    },
  });
  const written = pipeline(tap, createWriteStream(path, { flags: 'wx' }));
  try {
    await fill(tap);
  } finally {
    tap.end();
  }
  await written;
  return { hash: `sha256:${hash.digest('hex')}`, bytes };
}

/** Writes one chunk, waiting for the stream to drain when it asks to. */
async function write(sink: Writable, chunk: string | Uint8Array): Promise<void> {
  if (!sink.write(chunk)) await new Promise<void>((resolve) => sink.once('drain', resolve));
}
