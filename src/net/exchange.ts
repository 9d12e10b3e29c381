import { FetchError } from '../errors.js';
import { decodeContentEncoding } from './content-encoding.js';
import type { DecodeLimits } from './content-encoding.js';

/** One request and its answer, with everything the WARC writer and the parsers need. */
export interface HttpExchange {
  /** The URL requested, without credentials or fragment (neither is sent). */
  url: string;
  method: string;
  /** When this attempt was dispatched. */
  startedAt: Date;
  /** The IP address of the socket the request went out on. */
  remoteAddress?: string;
  request: {
    httpVersion: '1.1';
    /** Exactly the header fields sent, in order, Host and User-Agent included. */
    headers: [string, string][];
  };
  response: {
    status: number;
    statusText: string;
    /**
     * undici does not report the version of the status line; it speaks HTTP/1.1
     * only (no h2), so this is always '1.1', even for a rare HTTP/1.0 server.
     */
    httpVersion: string;
    /** As received: order, case and repeats kept. */
    headers: [string, string][];
    /** The payload as it came off the wire, still Content-Encoded, cut at the body cap. */
    body: Buffer;
    /** True when the body cap stopped the download; the rest was never read. */
    truncated: boolean;
  };
  /** A response header by name, any case; repeated fields joined with ", " (RFC 9110 section 5.3). */
  header(name: string): string | undefined;
  /**
   * The body with its Content-Encoding undone. Throws FetchError('BAD_RESPONSE')
   * when it cannot be decoded; a truncated body decodes as far as it goes.
   */
  decodedBody(): Buffer;
}

export interface RecordedExchangeFields {
  url: string;
  method: string;
  startedAt: Date;
  remoteAddress: string | undefined;
  requestHeaders: [string, string][];
  status: number;
  statusText: string;
  responseHeaders: [string, string][];
  body: Buffer;
  truncated: boolean;
  decodeLimits: DecodeLimits;
}

export class RecordedExchange implements HttpExchange {
  readonly url: string;
  readonly method: string;
  readonly startedAt: Date;
  declare readonly remoteAddress?: string;
  readonly request: HttpExchange['request'];
  readonly response: HttpExchange['response'];
  readonly #decodeLimits: DecodeLimits;
  #decoded: Buffer | undefined;

  constructor(fields: RecordedExchangeFields) {
    this.url = fields.url;
    this.method = fields.method;
    this.startedAt = fields.startedAt;
    if (fields.remoteAddress !== undefined) this.remoteAddress = fields.remoteAddress;
    this.request = { httpVersion: '1.1', headers: fields.requestHeaders };
    this.response = {
      status: fields.status,
      statusText: fields.statusText,
      httpVersion: '1.1',
      headers: fields.responseHeaders,
      body: fields.body,
      truncated: fields.truncated,
    };
    this.#decodeLimits = fields.decodeLimits;
  }

  header(name: string): string | undefined {
    const wanted = name.toLowerCase();
    const values = this.response.headers.filter(([key]) => key.toLowerCase() === wanted).map(([, value]) => value);
    return values.length === 0 ? undefined : values.join(', ');
  }

  decodedBody(): Buffer {
    if (this.#decoded === undefined) {
      try {
        this.#decoded = decodeContentEncoding(this.response.body, this.header('content-encoding'), this.#decodeLimits);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new FetchError('BAD_RESPONSE', `${this.method} ${this.url}: ${reason}`, { cause: error });
      }
    }
    return this.#decoded;
  }
}
