import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';

import type { Scenario } from './scenario.js';

/** One request as an upstream handler sees it: already routed, with its full URL. */
export interface UpstreamRequest {
  readonly scheme: 'http' | 'https';
  /** Lower-case host name from the Host header, without a port. */
  readonly host: string;
  /** The URL the client asked for, as it would have been on the real host. */
  readonly url: URL;
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  /** Aborted when the client goes away or the fake upstream closes. */
  readonly signal: AbortSignal;
}

/** Answers one request for one upstream; may stream, delay or never answer. */
export type UpstreamHandler = (
  request: UpstreamRequest,
  response: ServerResponse,
  scenario: Scenario,
) => Promise<void> | void;

export interface Reply {
  status: number;
  /** Header names in lower case; they win over the defaults `send` sets. */
  headers?: OutgoingHttpHeaders;
  /** Default: no body. */
  body?: string | Buffer;
  /**
   * Gzip the body when the request's Accept-Encoding allows it, as the real CDNs
   * in front of these APIs do. Default false: sent as is.
   */
  compressible?: boolean;
}

/** Sends a whole answer at once, with Content-Length, gzipped where asked and allowed. */
export function send(request: UpstreamRequest, response: ServerResponse, reply: Reply): void {
  let body = typeof reply.body === 'string' ? Buffer.from(reply.body, 'utf8') : (reply.body ?? Buffer.alloc(0));
  const headers: OutgoingHttpHeaders = {};
  if (reply.compressible === true) {
    headers['vary'] = 'Accept-Encoding';
    if (acceptsGzip(request.headers)) {
      body = gzipSync(body);
      headers['content-encoding'] = 'gzip';
    }
  }
  headers['content-length'] = body.length;
  response.writeHead(reply.status, { ...headers, ...reply.headers });
  response.end(body);
}

export function sendJson(request: UpstreamRequest, response: ServerResponse, status: number, value: unknown): void {
  send(request, response, {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(value),
    compressible: true,
  });
}

export function sendHtml(request: UpstreamRequest, response: ServerResponse, status: number, html: string): void {
  send(request, response, { status, headers: { 'content-type': 'text/html; charset=utf-8' }, body: html });
}

/** A plain-text status answer: what every host gives for a path it does not know. */
export function sendStatus(
  request: UpstreamRequest,
  response: ServerResponse,
  status: number,
  headers: OutgoingHttpHeaders = {},
): void {
  send(request, response, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', ...headers },
    body: `${status} ${STATUS_CODES[status] ?? 'Unknown'}\n`,
  });
}

export function sendRedirect(request: UpstreamRequest, response: ServerResponse, location: string, status = 301): void {
  send(request, response, { status, headers: { location } });
}

/** True when Accept-Encoding lists gzip (or `*`) without `q=0`. */
export function acceptsGzip(headers: IncomingHttpHeaders): boolean {
  const accepted = headers['accept-encoding'] ?? '';
  return accepted.split(',').some((entry) => {
    const [coding = '', ...parameters] = entry.trim().toLowerCase().split(';');
    if (coding.trim() !== 'gzip' && coding.trim() !== '*') return false;
    const quality = parameters.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return quality === undefined || Number(quality.slice(2)) > 0;
  });
}

/** Waits `ms`; rejects with an AbortError when the request ends first. */
export async function delay(ms: number, signal: AbortSignal): Promise<void> {
  if (ms > 0) await sleep(ms, undefined, { signal });
}

/** Resolves when the request ends: the client went away or the fake upstream closed. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (char) => HTML_ESCAPES[char] ?? char);
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
