import { isAscii, isUtf8 } from 'node:buffer';
import { decodeBuffer, getEncoding } from 'encoding-sniffer';

/** The charset parameter of a Content-Type header value, unquoted. */
const CONTENT_TYPE_CHARSET = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i;

/**
 * Decodes an HTML document's bytes the way a browser does (WHATWG encoding
 * sniffing): a byte order mark wins, then the Content-Type charset, then
 * `<meta charset>` or `<meta http-equiv="Content-Type">` in the first 1024 bytes.
 * Where none of them says anything, bytes that are valid UTF-8 and hold at least
 * one multi-byte sequence are UTF-8 (local files, CMS exports and markdown
 * sources seldom declare a charset, and windows-1252 text is almost never valid
 * UTF-8 by chance), as the plain-text reader decides; anything else is
 * windows-1252. `charset` is the encoding used, lowercased as TextDecoder names
 * it (e.g. 'utf-8', 'windows-1252').
 */
export function decodeHtmlBytes(bytes: Uint8Array, contentType?: string): { text: string; charset: string } {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const match = contentType === undefined ? null : CONTENT_TYPE_CHARSET.exec(contentType);
  const label = (match?.[1] ?? match?.[2])?.trim();
  const options = {
    defaultEncoding: isMultiByteUtf8(buffer) ? 'utf-8' : 'windows-1252',
    ...(label === undefined || label === '' ? {} : { transportLayerEncodingLabel: label }),
  };
  return { text: decodeBuffer(buffer, options), charset: getEncoding(buffer, options).toLowerCase() };
}

/** Valid UTF-8 with at least one byte outside ASCII: pure ASCII reads the same either way. */
function isMultiByteUtf8(buffer: Buffer): boolean {
  return !isAscii(buffer) && isUtf8(buffer);
}
