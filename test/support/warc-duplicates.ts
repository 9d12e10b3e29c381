import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { WARCParser } from 'warcio';

/** What the WARC files of a data dir hold of responses, read with warcio (not the code under test). */
export interface ResponseRecordCount {
  /** Response records in all. */
  responses: number;
  /** Records beyond the first of one target URI with one payload: the same answer stored again. */
  duplicated: number;
  /** `<uri> <payload digest>` of each answer stored more than once, with how many times. */
  duplicates: [string, number][];
}

/**
 * Counts the response records of every WARC file under `<dataDir>/warc/` by
 * WARC-Target-URI and WARC-Payload-Digest. A file a killed process was writing may
 * end in a cut member: what comes before it counts.
 */
export async function countResponseRecords(dataDir: string): Promise<ResponseRecordCount> {
  const seen = new Map<string, number>();
  let responses = 0;
  const folder = join(dataDir, 'warc');
  const names = await readdir(folder).catch(() => []);
  for (const name of names.filter((file) => file.endsWith('.warc.gz'))) {
    try {
      for await (const record of new WARCParser(createReadStream(join(folder, name)))) {
        if (record.warcType !== 'response') continue;
        responses += 1;
        const key = `${record.warcTargetURI ?? ''} ${record.warcHeader('WARC-Payload-Digest') ?? ''}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
    } catch {
      // A cut last member: the records before it are counted.
    }
  }
  const duplicates = [...seen].filter(([, count]) => count > 1);
  return { responses, duplicated: duplicates.reduce((sum, [, count]) => sum + count - 1, 0), duplicates };
}
