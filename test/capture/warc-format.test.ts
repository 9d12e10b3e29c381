import { describe, expect, it } from 'vitest';
import { buildExchangeRecords, type WarcExchange } from '../../src/capture/warc-format.js';
import { textExchange } from '../support/warc-records.js';

const recordIds = { request: 'urn:uuid:request', response: 'urn:uuid:response' };

function httpHead(record: Uint8Array): string {
  const text = Buffer.from(record).toString('latin1');
  const blockStart = text.indexOf('\r\n\r\n') + 4;
  return text.slice(blockStart, text.indexOf('\r\n\r\n', blockStart) + 4);
}

function withResponseHeaders(headers: [string, string][]): WarcExchange {
  const exchange = textExchange('https://example.com/', 'body');
  exchange.response.headers = headers;
  return exchange;
}

describe('buildExchangeRecords', () => {
  it('stores header values with the bytes they came in, not re-encoded', () => {
    // undici decodes header bytes as latin1: the UTF-8 bytes of "café" arrive as "cafÃ©".
    const wireValue = Buffer.from('attachment; filename="café.jpg"', 'utf8').toString('latin1');
    const { response } = buildExchangeRecords(withResponseHeaders([['Content-Disposition', wireValue]]), recordIds);

    expect(Buffer.from(response).includes(Buffer.from('filename="café.jpg"', 'utf8'))).toBe(true);
  });

  it('writes the request line from the URL: origin-form target, no fragment', () => {
    const bare = buildExchangeRecords(textExchange('https://example.com', 'x'), recordIds);
    expect(httpHead(bare.request)).toBe('GET / HTTP/1.1\r\nHost: example.com\r\n\r\n');

    const withQuery = buildExchangeRecords(textExchange('https://example.com/a%20b?q=1&r=2#frag', 'x'), recordIds);
    expect(httpHead(withQuery.request).split('\r\n')[0]).toBe('GET /a%20b?q=1&r=2 HTTP/1.1');
  });

  it('keeps the space before an empty reason phrase (HTTP/2 has none)', () => {
    const exchange = textExchange('https://example.com/', 'x');
    exchange.response.httpVersion = '2';
    exchange.response.statusText = '';
    const { response } = buildExchangeRecords(exchange, recordIds);
    expect(httpHead(response).split('\r\n')[0]).toBe('HTTP/2 200 ');
  });

  it('refuses header fields that would break the record apart', () => {
    expect(() => buildExchangeRecords(withResponseHeaders([['X-Test', 'a\r\nWARC-Type: revisit']]), recordIds)).toThrow(
      TypeError,
    );
    expect(() => buildExchangeRecords(withResponseHeaders([['X-Test\n', 'a']]), recordIds)).toThrow(TypeError);
  });

  it('refuses header values that are not byte strings', () => {
    expect(() => buildExchangeRecords(withResponseHeaders([['X-Test', 'snow ☃']]), recordIds)).toThrow(/byte strings/);
  });

  it("refuses an httpVersion given as 'HTTP/1.1'", () => {
    const exchange = textExchange('https://example.com/', 'x');
    exchange.request.httpVersion = 'HTTP/1.1';
    expect(() => buildExchangeRecords(exchange, recordIds)).toThrow(/'1.1'/);
  });
});
