import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { WARCParser, type WARCRecord } from 'warcio';
import type { WarcLocation } from '../../src/model/index.js';

/** What WARC files hold of responses, read with warcio (not the code under test). */
export interface ResponseRecordCount {
  /** Response records in all. */
  responses: number;
  /** Records beyond the first of one target URI with one payload: the same answer stored again. */
  duplicated: number;
  /** `<uri> <payload digest>` of each answer stored more than once, with how many times. */
  duplicates: [string, number][];
}

/** Counts responses by `<uri> <payload digest>` as they are read. */
class ResponseTally {
  private readonly seen = new Map<string, number>();
  private responses = 0;

  add(record: WARCRecord): void {
    if (record.warcType !== 'response') return;
    this.responses += 1;
    const key = `${record.warcTargetURI ?? ''} ${record.warcHeader('WARC-Payload-Digest') ?? ''}`;
    this.seen.set(key, (this.seen.get(key) ?? 0) + 1);
  }

  count(): ResponseRecordCount {
    const duplicates = [...this.seen].filter(([, count]) => count > 1);
    return {
      responses: this.responses,
      duplicated: duplicates.reduce((sum, [, count]) => sum + count - 1, 0),
      duplicates,
    };
  }
}

/**
 * Counts the response records of WARC files, each given as its bytes as they stream
 * in, by WARC-Target-URI and WARC-Payload-Digest. A file a killed process was
 * writing may end in a cut member: what comes before it counts.
 */
export async function countResponseRecordsIn(files: Iterable<AsyncIterable<Uint8Array>>): Promise<ResponseRecordCount> {
  const tally = new ResponseTally();
  for (const bytes of files) {
    try {
      for await (const record of new WARCParser(bytes)) tally.add(record);
    } catch {
      // A cut last member: the records before it are counted.
    }
  }
  return tally.count();
}

/** countResponseRecordsIn over every WARC file under `<dataDir>/warc/`. */
export async function countResponseRecords(dataDir: string): Promise<ResponseRecordCount> {
  const folder = join(dataDir, 'warc');
  const names = await readdir(folder).catch(() => []);
  return countResponseRecordsIn(
    names
      .filter((file) => file.endsWith('.warc.gz'))
      .map((name) => createReadStream(join(folder, name)) as AsyncIterable<Uint8Array>),
  );
}

/**
 * Reads the record at each place (once a place, however many records name it) through
 * `read`, as another machine would, and counts the responses among them: `duplicated`
 * above 0 means two places hold the same answer, i.e. a capture stored twice among
 * what records point at. A place that cannot be read, or holds no response, throws.
 */
export async function countReferencedResponses(
  locations: Iterable<WarcLocation>,
  read: (location: WarcLocation) => Promise<Uint8Array>,
): Promise<ResponseRecordCount> {
  const tally = new ResponseTally();
  const places = new Map<string, WarcLocation>();
  for (const location of locations) places.set(`${location.file} ${location.offset}`, location);
  for (const [place, location] of places) {
    const record = await new WARCParser([await read(location)]).parse();
    if (record?.warcType !== 'response') throw new Error(`${place}: no response record there`);
    tally.add(record);
  }
  return tally.count();
}

/** Every WARC location (`{ file, offset, length }` under a `warc` key) in a record or an index entry. */
export function warcLocationsIn(value: unknown): WarcLocation[] {
  const found: WarcLocation[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
    } else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        if (key === 'warc' && isWarcLocation(child)) found.push(child);
        else visit(child);
      }
    }
  };
  visit(value);
  return found;
}

function isWarcLocation(value: unknown): value is WarcLocation {
  if (value === null || typeof value !== 'object') return false;
  const { file, offset, length } = value as Record<string, unknown>;
  return typeof file === 'string' && typeof offset === 'number' && typeof length === 'number';
}
