import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { WARCParser } from 'warcio';
import { WarcRecordInvalidError } from '../errors.js';
import type { WarcLocation } from '../model/index.js';

export interface StoredResponse {
  targetUri: string;
  status: number;
  /**
   * As stored, names in their original case. Decoded by warcio as UTF-8, so a value
   * with non-ASCII bytes may differ from the byte string that was written.
   */
  headers: [string, string][];
  /** The payload as it came off the wire: still Content-Encoded where it was. */
  payload: Uint8Array;
  /** The WARC-Truncated value ('length') when the body cap cut the payload short. */
  truncated?: string;
}

/**
 * Reads the response record at `location` (a capture's `warc`) back with warcio's
 * WARCParser: only that gzip member is read, not the file around it.
 */
export async function readResponseRecord(dataDir: string, location: WarcLocation): Promise<StoredResponse> {
  const where = `${location.file} at offset ${location.offset}`;
  const member = await readByteRange(join(dataDir, location.file), location.offset, location.length, where);

  // keepHeadersCase keeps names as written and repeated headers apart; the default
  // (fetch Headers) would lowercase and join them.
  const record = await new WARCParser([member], { keepHeadersCase: true }).parse();
  const targetUri = record?.warcTargetURI;
  if (!record || record.warcType !== 'response' || !record.httpHeaders || !targetUri) {
    throw new WarcRecordInvalidError(`${where}: no response record there`);
  }
  // readFully(false) is the raw payload; true would undo the Content-Encoding.
  const payload = await record.readFully(false);
  const truncated = record.warcHeader('WARC-Truncated');
  return {
    targetUri,
    status: Number(record.httpHeaders.statusCode),
    headers: [...record.httpHeaders.headers],
    payload,
    ...(truncated ? { truncated } : {}),
  };
}

async function readByteRange(path: string, offset: number, length: number, where: string): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const bytes = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await handle.read(bytes, filled, length - filled, offset + filled);
      if (bytesRead === 0) {
        throw new WarcRecordInvalidError(`${where}: the file ends ${length - filled} bytes short of the record`);
      }
      filled += bytesRead;
    }
    return bytes;
  } finally {
    await handle.close();
  }
}
