// Reads a WACZ back with yauzl (an unzip library independent of the writer) and
// checks what a WACZ reader relies on.

import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { WARCParser } from 'warcio';
import { expect } from 'vitest';
import yauzl from 'yauzl';

export interface WaczEntry {
  bytes: Buffer;
  /** 0 stored, 8 deflated. */
  compressionMethod: number;
}

export async function readWacz(zipBytes: Buffer): Promise<Map<string, WaczEntry>> {
  const zip = await yauzl.fromBufferPromise(zipBytes, { lazyEntries: true, autoClose: false });
  const entries = new Map<string, WaczEntry>();
  try {
    const listed = await new Promise<yauzl.Entry[]>((resolve, reject) => {
      const all: yauzl.Entry[] = [];
      zip.on('entry', (entry: yauzl.Entry) => {
        all.push(entry);
        zip.readEntry();
      });
      zip.on('end', () => resolve(all));
      zip.on('error', reject);
      zip.readEntry();
    });
    for (const entry of listed) {
      const stream = await zip.openReadStreamPromise(entry);
      entries.set(entry.fileName, { bytes: await buffer(stream), compressionMethod: entry.compressionMethod });
    }
  } finally {
    zip.close();
  }
  return entries;
}

export interface DataPackage {
  wacz_version: string;
  created: string;
  software: string;
  resources: { name: string; path: string; hash: string; bytes: number }[];
}

export function entryText(entries: Map<string, WaczEntry>, name: string): string {
  const entry = entries.get(name);
  if (!entry) throw new Error(`no ${name} in the WACZ (it holds ${[...entries.keys()].join(', ')})`);
  return entry.bytes.toString('utf8');
}

/** Checks datapackage.json's digest of every file and datapackage-digest.json's of datapackage.json; returns the package. */
export function expectDigestsHold(entries: Map<string, WaczEntry>): DataPackage {
  const datapackageText = entryText(entries, 'datapackage.json');
  const datapackage = JSON.parse(datapackageText) as DataPackage;
  const listed = datapackage.resources.map((resource) => resource.path).sort();
  const present = [...entries.keys()]
    .filter((name) => name !== 'datapackage.json' && name !== 'datapackage-digest.json')
    .sort();
  expect(listed).toEqual(present);
  for (const resource of datapackage.resources) {
    const bytes = entries.get(resource.path)?.bytes ?? Buffer.alloc(0);
    expect(resource.bytes, resource.path).toBe(bytes.byteLength);
    expect(resource.hash, resource.path).toBe(`sha256:${createHash('sha256').update(bytes).digest('hex')}`);
  }
  const digest = JSON.parse(entryText(entries, 'datapackage-digest.json')) as { path: string; hash: string };
  expect(digest).toMatchObject({
    path: 'datapackage.json',
    hash: `sha256:${createHash('sha256').update(datapackageText).digest('hex')}`,
  });
  return datapackage;
}

export interface CdxjLine {
  urlkey: string;
  timestamp: string;
  url: string;
  status?: string;
  mime?: string;
  offset: string;
  length: string;
  filename: string;
}

export function parseCdxj(text: string): CdxjLine[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [urlkey = '', timestamp = ''] = line.split(' ', 2);
      const json = JSON.parse(line.slice(urlkey.length + timestamp.length + 2)) as Omit<
        CdxjLine,
        'urlkey' | 'timestamp'
      >;
      return { urlkey, timestamp, ...json };
    });
}

/** Reads the record an index line points at, out of the WACZ's archive/ file it names. */
export async function recordAt(
  entries: Map<string, WaczEntry>,
  line: CdxjLine,
): Promise<{ type: string; targetUri: string | undefined; status: number | undefined; date: string | undefined }> {
  const warc = entries.get(`archive/${line.filename}`);
  if (!warc) throw new Error(`index line names archive/${line.filename}, which the WACZ does not hold`);
  const member = warc.bytes.subarray(Number(line.offset), Number(line.offset) + Number(line.length));
  const parser = new WARCParser(Readable.from([member]));
  const record = await parser.parse();
  if (!record) throw new Error(`no record at ${line.filename}:${line.offset}`);
  await record.skipFully();
  const status = record.httpHeaders?.statusCode;
  return {
    type: record.warcType ?? '',
    targetUri: record.warcTargetURI ?? undefined,
    status: status === undefined ? undefined : Number(status),
    date: record.warcDate ?? undefined,
  };
}
