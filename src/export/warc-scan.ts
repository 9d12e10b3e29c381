import { WARCParser } from 'warcio';

/** Where one record's gzip member sits in a WARC file, and what an export needs to pick it. */
export interface WarcRecordEntry {
  /** Offset of the record's gzip member in its file. */
  offset: number;
  /** Length of that gzip member. */
  length: number;
  type: string;
  recordId?: string;
  targetUri?: string;
  /** The request record's pointer to its response. */
  concurrentTo?: string;
  /** WARC-Date, ISO 8601. */
  date?: string;
}

/**
 * Lists the records of one WARC file with warcio's parser, reading it as a stream
 * (from a folder or S3 alike): headers only, every block skipped, so a file of any
 * size is listed in little memory.
 */
export async function listWarcRecords(source: AsyncIterable<Uint8Array>): Promise<WarcRecordEntry[]> {
  const parser = new WARCParser(source, { parseHttp: false });
  const entries: WarcRecordEntry[] = [];
  for await (const record of parser) {
    await record.skipFully();
    const entry: WarcRecordEntry = { offset: parser.offset, length: parser.recordLength, type: record.warcType ?? '' };
    const recordId = record.warcHeader('WARC-Record-ID');
    const targetUri = record.warcTargetURI;
    const concurrentTo = record.warcHeader('WARC-Concurrent-To');
    const date = record.warcDate;
    if (recordId) entry.recordId = recordId;
    if (targetUri) entry.targetUri = targetUri;
    if (concurrentTo) entry.concurrentTo = concurrentTo;
    if (date) entry.date = date;
    entries.push(entry);
  }
  return entries;
}
