import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

import type { Page } from './scenario.js';
import type { UpstreamRequest } from './respond.js';
import { acceptsGzip, delay, send, untilAborted } from './respond.js';

/** What a `bytes` page is padded with after its body: harmless in HTML and in text. */
const FILLER = Buffer.alloc(64 * 1024, ' ');

/** An ordinary page (news sites, redirects) as the test added it. */
export async function servePage(request: UpstreamRequest, response: ServerResponse, page: Page): Promise<void> {
  if (page.hang) return untilAborted(request.signal);
  await delay(page.delayMs, request.signal);
  if (page.bytes === undefined) {
    return send(request, response, {
      status: page.status,
      headers: page.headers,
      body: page.body,
      compressible: page.gzip,
    });
  }

  const gzip = page.gzip && acceptsGzip(request.headers);
  response.writeHead(page.status, {
    // Gzipped, the length is not known before the end: chunked, as servers that compress on the fly send it.
    ...(gzip ? { 'content-encoding': 'gzip', vary: 'Accept-Encoding' } : { 'content-length': page.bytes }),
    ...page.headers,
  });
  const body = Readable.from(paddedBody(page.body, page.bytes));
  await (gzip
    ? pipeline(body, createGzip(), response, { signal: request.signal })
    : pipeline(body, response, { signal: request.signal }));
}

/** `head`, then filler, to exactly `total` bytes, made as the client reads so it never sits in memory. */
function* paddedBody(head: Buffer, total: number): Generator<Buffer> {
  const start = head.subarray(0, total);
  if (start.length > 0) yield start;
  for (let remaining = total - start.length; remaining > 0; remaining -= FILLER.length) {
    yield FILLER.subarray(0, Math.min(remaining, FILLER.length));
  }
}
