import { createReadStream } from 'node:fs';
import { CDXIndexer, WARCParser } from 'warcio';

/**
 * CDXJ lines (`<surt> <timestamp> {json}`) for the records of one WARC file, made by
 * warcio's CDXIndexer: its SURT keys, its pairing of a response with its request,
 * and the fields ReplayWeb.page reads (url, mime, status, digest, length, offset,
 * filename). The indexer's own file loop reads every record whole into memory; here
 * each block is skipped instead, so a large capture is never held (every request is
 * a GET, so the indexer needs no request body).
 */
export async function indexWarcFile(path: string, filename: string): Promise<string[]> {
  const indexer = new CDXIndexer({ format: 'cdxj' });
  const parser = new WARCParser(createReadStream(path), { parseHttp: true });
  const lines: string[] = [];
  for await (const record of parser) {
    await record.skipFully();
    const result = indexer.indexRecord(record, parser, filename);
    if (result) lines.push(indexer.serialize(result));
  }
  // The indexer holds back the last record, waiting for a request to pair it with.
  const last = indexer.indexRecord(null, parser, filename);
  if (last) lines.push(indexer.serialize(last));
  return lines;
}

/** CDXJ is searched by binary search on its keys: sorted by byte order. */
export function sortCdxjLines(lines: string[]): string[] {
  return lines.sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
}
