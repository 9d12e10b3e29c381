// The pure core of WARC writing: exchange in, uncompressed record bytes out. No
// files, no clock, no randomness: ids and dates come in as arguments, so golden
// tests can compare bytes (the warcio.js habit). warc-writer.ts adds the I/O.
//
// Records are built here rather than with warcio's WARCRecord/WARCSerializer
// because those re-encode HTTP header values as UTF-8 (undici hands them over as
// latin1 byte strings, so non-ASCII bytes would be double-encoded) and group
// repeated headers such as Set-Cookie together, changing their wire order. Every
// record is read back with warcio's WARCParser in the tests.

import { createHash } from 'node:crypto';

/** One HTTP request/response as it went over the wire. */
export interface WarcExchange {
  /** The request URL; the request line's target is derived from it. */
  url: string;
  /** When the request was sent; becomes the WARC-Date of both records, to the millisecond. */
  date: Date;
  /** The peer's IP address, where known (becomes WARC-IP-Address). */
  remoteAddress?: string | undefined;
  request: {
    method: string;
    /** Like Node's `message.httpVersion`: '1.1', not 'HTTP/1.1'. */
    httpVersion: string;
    /** As sent, in order. Values are byte strings (one character a byte), as undici gives them. */
    headers: [string, string][];
  };
  response: {
    status: number;
    statusText: string;
    /** Like Node's `message.httpVersion`: '1.1', not 'HTTP/1.1'. */
    httpVersion: string;
    /** As received, in order, repeats kept. Values are byte strings, as undici gives them. */
    headers: [string, string][];
    /** As it came off the wire: still Content-Encoded where it was, but no longer chunked. */
    body: Uint8Array;
    /** True when the body cap cut the body short. */
    truncated: boolean;
  };
}

export interface ExchangeRecords {
  /** The uncompressed `request` record. */
  request: Uint8Array;
  /** The uncompressed `response` record. */
  response: Uint8Array;
  /** The response's WARC-Payload-Digest: `sha256:<lowercase hex>`. */
  payloadSha256: string;
}

/** The warc-fields of a warcinfo record, in order. */
export type WarcinfoFields = [string, string][];

const WARC_VERSION = 'WARC/1.1';
const CRLF = '\r\n';
/** Ends every record: the block is followed by two newlines (WARC 1.1, section 4). */
const RECORD_END = Buffer.from(CRLF + CRLF, 'latin1');

/**
 * Builds the `request` and `response` records of one exchange. The request record
 * points at the response with WARC-Concurrent-To; both carry the exchange's URL and
 * date. Digests are sha256 in lowercase hex (`sha256:<hex>`): the same hex a
 * capture's `sha256` field holds, and what warcio.js's own serializer writes by
 * default. WARC 1.1 leaves the encoding open (base32 is the other common one).
 */
export function buildExchangeRecords(
  exchange: WarcExchange,
  recordIds: { request: string; response: string },
): ExchangeRecords {
  const targetUri = new URL(exchange.url);
  // A fragment never goes over the wire, so it is not part of what was captured.
  targetUri.hash = '';
  const warcDate = exchange.date.toISOString();
  const addressField: [string, string][] =
    exchange.remoteAddress === undefined ? [] : [['WARC-IP-Address', exchange.remoteAddress]];
  // 'length': the body cap stopped the download (WARC 1.1, section 5.13).
  const truncatedField: [string, string][] = exchange.response.truncated ? [['WARC-Truncated', 'length']] : [];

  const requestBlock = encodeHttpHead(
    `${exchange.request.method} ${targetUri.pathname}${targetUri.search} ${httpVersionToken(exchange.request.httpVersion)}`,
    exchange.request.headers,
  );
  const request = serializeWarcRecord(
    [
      ['WARC-Type', 'request'],
      ['WARC-Record-ID', `<${recordIds.request}>`],
      ['WARC-Date', warcDate],
      ['WARC-Target-URI', targetUri.href],
      ...addressField,
      ['WARC-Concurrent-To', `<${recordIds.response}>`],
      ['WARC-Block-Digest', sha256Digest(requestBlock)],
      ['Content-Type', 'application/http;msgtype=request'],
    ],
    requestBlock,
  );

  const { response: httpResponse } = exchange;
  const responseHead = encodeHttpHead(
    // RFC 9112: the space before the reason phrase stays even when the phrase is empty (HTTP/2).
    `${httpVersionToken(httpResponse.httpVersion)} ${httpResponse.status} ${httpResponse.statusText}`,
    httpResponse.headers.map(renameTransferEncoding),
  );
  const responseBlock = Buffer.concat([responseHead, httpResponse.body]);
  const payloadSha256 = sha256Digest(httpResponse.body);
  const response = serializeWarcRecord(
    [
      ['WARC-Type', 'response'],
      ['WARC-Record-ID', `<${recordIds.response}>`],
      ['WARC-Date', warcDate],
      ['WARC-Target-URI', targetUri.href],
      ...addressField,
      ...truncatedField,
      ['WARC-Block-Digest', sha256Digest(responseBlock)],
      ['WARC-Payload-Digest', payloadSha256],
      ['Content-Type', 'application/http;msgtype=response'],
    ],
    responseBlock,
  );

  return { request, response, payloadSha256 };
}

/** Builds the `warcinfo` record that opens a WARC file. */
export function buildWarcinfoRecord(warcinfo: {
  recordId: string;
  date: Date;
  /** The WARC file's own name, without directories. */
  filename: string;
  fields: WarcinfoFields;
}): Uint8Array {
  const block = Buffer.from(warcinfo.fields.map(([name, value]) => headerLine(name, value)).join(''), 'utf8');
  return serializeWarcRecord(
    [
      ['WARC-Type', 'warcinfo'],
      ['WARC-Record-ID', `<${warcinfo.recordId}>`],
      ['WARC-Date', warcinfo.date.toISOString()],
      ['WARC-Filename', warcinfo.filename],
      ['Content-Type', 'application/warc-fields'],
    ],
    block,
  );
}

/** `sha256:<lowercase hex>` of the bytes, as WARC digests and capture `sha256` fields are written. */
function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Version line, WARC header fields, Content-Length (computed here), blank line, block, two newlines. */
function serializeWarcRecord(fields: [string, string][], block: Uint8Array): Uint8Array {
  const header =
    WARC_VERSION +
    CRLF +
    fields.map(([name, value]) => headerLine(name, value)).join('') +
    headerLine('Content-Length', String(block.byteLength)) +
    CRLF;
  // WARC header fields are UTF-8 (WARC 1.1, section 4).
  return Buffer.concat([Buffer.from(header, 'utf8'), block, RECORD_END]);
}

/** The status or request line and the header fields of an HTTP message, with the blank line that ends them. */
function encodeHttpHead(startLine: string, headers: [string, string][]): Buffer {
  const head = startLine + CRLF + headers.map(([name, value]) => headerLine(name, value)).join('') + CRLF;
  assertByteString(head);
  // Latin1 turns each character back into the byte it was decoded from, so the
  // head is stored with the bytes that went over the wire.
  return Buffer.from(head, 'latin1');
}

function headerLine(name: string, value: string): string {
  // A line break inside a field would end the header early and let the rest be
  // read as other fields: refuse it rather than write a record readers misparse.
  if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) {
    throw new TypeError(`WARC/HTTP header field ${JSON.stringify(name)} contains a line break`);
  }
  return `${name}: ${value}${CRLF}`;
}

function assertByteString(text: string): void {
  // Any UTF-16 code unit above U+00FF (surrogates included) is not a byte.
  if (/[\u0100-\uffff]/.test(text)) {
    throw new TypeError(
      'HTTP start line and header fields must be byte strings (one character a byte), as undici gives them',
    );
  }
}

/**
 * undici has already removed the chunked framing from the body, so a
 * `Transfer-Encoding: chunked` header kept as it was would make readers (warcio,
 * pywb) try to de-chunk a body that is not chunked, and mangle any body that
 * happens to look like chunks. browsertrix-crawler's convention is followed: the
 * header is kept, value unchanged, under the name `x-orig-<name>`, and the WARC
 * block length, not the HTTP framing, bounds the payload.
 */
function renameTransferEncoding([name, value]: [string, string]): [string, string] {
  return name.toLowerCase() === 'transfer-encoding' ? [`x-orig-${name}`, value] : [name, value];
}

/** 'HTTP/1.1' from '1.1'; refuses 'HTTP/1.1' so it is never written as 'HTTP/HTTP/1.1'. */
function httpVersionToken(httpVersion: string): string {
  if (!/^\d(\.\d)?$/.test(httpVersion)) {
    throw new TypeError(`httpVersion must look like '1.1' or '2', got ${JSON.stringify(httpVersion)}`);
  }
  return `HTTP/${httpVersion}`;
}
