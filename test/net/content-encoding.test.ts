import { randomBytes } from 'node:crypto';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeContentEncoding } from '../../src/net/content-encoding.js';

const limits = { maxContentEncodings: 2, maxDecodedBytes: 1024 * 1024 };
const text = Buffer.from('<html><title>Alerte à la bombe</title></html>\n'.repeat(200));

describe('decodeContentEncoding', () => {
  it.each<[string | undefined, Buffer]>([
    [undefined, text],
    ['', text],
    ['identity', text],
    ['gzip', gzipSync(text)],
    ['x-gzip', gzipSync(text)],
    ['GZIP', gzipSync(text)],
    ['deflate', deflateSync(text)],
    ['deflate', deflateRawSync(text)], // what many servers actually send
    ['br', brotliCompressSync(text)],
    ['gzip, br', brotliCompressSync(gzipSync(text))],
    ['deflate,gzip', gzipSync(deflateSync(text))],
    ['identity, gzip, identity', gzipSync(text)],
  ])('undoes Content-Encoding %j', (contentEncoding, body) => {
    expect(decodeContentEncoding(body, contentEncoding, limits).equals(text)).toBe(true);
  });

  it('returns an empty body as it is, whatever the header says', () => {
    expect(decodeContentEncoding(Buffer.alloc(0), 'gzip', limits)).toHaveLength(0);
  });

  it('decodes a truncated gzip body as far as it goes', () => {
    const incompressible = Buffer.from(randomBytes(64 * 1024).toString('hex'));
    const gzipped = gzipSync(incompressible);
    const decoded = decodeContentEncoding(gzipped.subarray(0, Math.floor(gzipped.length / 2)), 'gzip', limits);
    expect(decoded.length).toBeGreaterThan(incompressible.length / 4);
    expect(decoded.length).toBeLessThan(incompressible.length);
    expect(decoded.equals(incompressible.subarray(0, decoded.length))).toBe(true);
  });

  it.each<[string, string, Buffer]>([
    [
      'gzip, gzip, gzip',
      '3 chained Content-Encodings (gzip, gzip, gzip); at most 2 are decoded',
      gzipSync(gzipSync(gzipSync(text))),
    ],
    ['zstd', 'unsupported Content-Encoding "zstd"', text],
    ['compress', 'unsupported Content-Encoding "compress"', text],
    ['gzip', 'cannot decode Content-Encoding gzip: incorrect header check', text],
    ['br', 'cannot decode Content-Encoding br', text],
  ])('refuses Content-Encoding %j with BAD_RESPONSE: %s', (contentEncoding, message, body) => {
    expect(() => decodeContentEncoding(body, contentEncoding, limits)).toThrow(
      expect.objectContaining({ code: 'BAD_RESPONSE', message: expect.stringContaining(message) as string }),
    );
  });

  it('refuses a compression bomb instead of filling the memory', () => {
    const bomb = gzipSync(Buffer.alloc(16 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(32 * 1024);
    expect(() => decodeContentEncoding(bomb, 'gzip', limits)).toThrow(
      expect.objectContaining({
        code: 'BAD_RESPONSE',
        message: 'cannot decode Content-Encoding gzip: decodes to more than 1048576 bytes',
      }),
    );
  });
});
