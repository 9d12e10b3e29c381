import { brotliDecompressSync, constants, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import { errnoCode, FetchError, messageOf } from '../errors.js';

export interface DecodeLimits {
  /** Content-Encodings that may be chained on one body; more is refused, since no real server stacks many. */
  maxContentEncodings: number;
  /** Bytes one decoding may produce, so that a small compressed bomb cannot fill the memory. */
  maxDecodedBytes: number;
}

/**
 * Undoes the Content-Encoding of `body` (gzip, x-gzip, deflate, br, identity,
 * chained in the order they were applied). A body cut short, e.g. by the body
 * cap, decodes as far as it goes. Throws FetchError('BAD_RESPONSE') for an
 * unknown coding, too many codings, corrupt data, or output over the limit.
 */
export function decodeContentEncoding(body: Buffer, contentEncoding: string | undefined, limits: DecodeLimits): Buffer {
  const codings = (contentEncoding ?? '')
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  if (codings.length > limits.maxContentEncodings) {
    throw new FetchError(
      'BAD_RESPONSE',
      `${codings.length} chained Content-Encodings (${codings.join(', ')}); at most ${limits.maxContentEncodings} are decoded`,
    );
  }
  // The last coding listed was applied last, so it comes off first.
  return codings.reduceRight((encoded, coding) => decodeOne(encoded, coding, limits.maxDecodedBytes), body);
}

function decodeOne(encoded: Buffer, coding: string, maxDecodedBytes: number): Buffer {
  if (encoded.length === 0) return encoded; // HEAD, 204 and 304 answers carry the header but no body
  // Flushing instead of finishing makes a truncated stream yield what it holds instead of failing.
  const zlibOptions = { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: maxDecodedBytes };
  try {
    switch (coding) {
      case 'gzip':
      case 'x-gzip':
        return gunzipSync(encoded, zlibOptions);
      case 'deflate':
        // "deflate" means zlib-wrapped, but many servers send raw deflate, as browsers allow.
        return hasZlibHeader(encoded) ? inflateSync(encoded, zlibOptions) : inflateRawSync(encoded, zlibOptions);
      case 'br':
        return brotliDecompressSync(encoded, {
          finishFlush: constants.BROTLI_OPERATION_FLUSH,
          maxOutputLength: maxDecodedBytes,
        });
      default:
        throw new FetchError('BAD_RESPONSE', `unsupported Content-Encoding "${coding}"`);
    }
  } catch (error) {
    if (error instanceof FetchError) throw error;
    const reason =
      errnoCode(error) === 'ERR_BUFFER_TOO_LARGE' ? `decodes to more than ${maxDecodedBytes} bytes` : messageOf(error);
    throw new FetchError('BAD_RESPONSE', `cannot decode Content-Encoding ${coding}: ${reason}`, { cause: error });
  }
}

/** RFC 1950: compression method 8 in the low nibble, and the two bytes a multiple of 31. */
function hasZlibHeader(data: Buffer): boolean {
  const [first = 0, second = 0] = data;
  return (first & 0x0f) === 8 && ((first << 8) | second) % 31 === 0;
}
