import { createHash } from 'node:crypto';
import iconv from 'iconv-lite';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readAtMost, readFileUnderRoot, readUserFile, tooLargeError } from './bounded-read.js';
import { DEFAULT_MAX_SOURCE_BYTES } from './config.js';
import { UsageError } from './errors.js';
import { decodeHtmlBytes } from './extract/index.js';

/** Where a document comes from: the CLI's sources and the queue's public job data. */
export type SourceSpec =
  | { path: string }
  | { url: string }
  | { stdin: true }
  | { html: string; uri?: string }
  | { text: string; uri?: string };

export type SourceMediaType = 'text/html' | 'text/plain';

/** A document read and decoded, ready for extraction. */
export interface LoadedSource {
  uri: string;
  mediaType: SourceMediaType;
  /** The bytes as read, for the record's sha256 and size. */
  bytes: Buffer;
  /** The decoded text: offsets in the record index into this. */
  text: string;
  /** The local file, when there is one: the sidecar goes next to it. */
  path?: string;
}

/** Fetches an article over the network; the pipeline provides it (the guarded client). */
export type FetchArticle = (url: string) => Promise<{ finalUrl: string; contentType?: string; body: Buffer }>;

const BINARY_SNIFF_BYTES = 8192;

export interface LoadSourceOptions {
  /** Fetches a `{ url }` source; without it, URLs are refused. */
  fetchArticle?: FetchArticle;
  /** Standard input, for `{ stdin: true }`. Default: the process's own. */
  stdin?: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  /** CITESNAP_MAX_SOURCE_BYTES: the largest source read, counted while reading. Default 20 MiB. */
  maxBytes?: number;
  /**
   * Who named a `{ path }`. Absent: the command's own user, whose files are theirs
   * to read. Present: a job producer, who may name only regular files under
   * `root` (CITESNAP_SOURCE_ROOT), and none when it is undefined.
   */
  confineTo?: { root: string | undefined };
  /** Stops reading a file or standard input between chunks (the worker's job signal). */
  signal?: AbortSignal;
}

export async function loadSource(spec: SourceSpec, options: LoadSourceOptions = {}): Promise<LoadedSource> {
  const limits = { maxBytes: options.maxBytes ?? DEFAULT_MAX_SOURCE_BYTES, signal: options.signal };
  if ('path' in spec) {
    const absolute = resolve(spec.path);
    const bytes =
      options.confineTo === undefined
        ? await readUserFile(absolute, spec.path, limits)
        : await readFileUnderRoot(absolute, options.confineTo.root, spec.path, limits);
    const mediaType = /\.html?$/i.test(absolute) ? 'text/html' : 'text/plain';
    return {
      ...decodeSource({ uri: pathToFileURL(absolute).href, mediaType, bytes, where: spec.path }),
      path: absolute,
    };
  }
  if ('url' in spec) {
    if (!options.fetchArticle)
      throw new UsageError(
        `${spec.url}: fetching articles by URL needs the network client, which this command does not have`,
      );
    // The HTTP client stops reading at its own body cap; this one is the article's.
    const fetched = await options.fetchArticle(spec.url);
    if (fetched.body.length > limits.maxBytes) throw tooLargeError(spec.url, limits.maxBytes);
    const mediaType =
      /html/i.test(fetched.contentType ?? '') || looksLikeHtml(fetched.body) ? 'text/html' : 'text/plain';
    return decodeSource({
      uri: fetched.finalUrl,
      mediaType,
      bytes: fetched.body,
      contentType: fetched.contentType,
      where: spec.url,
    });
  }
  if ('stdin' in spec) {
    const bytes = await readAtMost(options.stdin ?? process.stdin, 'standard input', limits);
    return decodeSource({
      uri: 'stdin:',
      mediaType: looksLikeHtml(bytes) ? 'text/html' : 'text/plain',
      bytes,
      where: 'standard input',
    });
  }
  const isHtml = 'html' in spec;
  const text = isHtml ? spec.html : spec.text;
  const uri = spec.uri ?? (isHtml ? 'inline:html' : 'inline:text');
  // Already in memory (the job's data): measured as the UTF-8 the record's size and sha256 count.
  if (Buffer.byteLength(text, 'utf8') > limits.maxBytes)
    throw tooLargeError(`${uri} (inline ${isHtml ? 'html' : 'text'})`, limits.maxBytes);
  return { uri, mediaType: isHtml ? 'text/html' : 'text/plain', bytes: Buffer.from(text, 'utf8'), text };
}

function decodeSource(input: {
  uri: string;
  mediaType: SourceMediaType;
  bytes: Buffer;
  contentType?: string | undefined;
  where: string;
}): LoadedSource {
  const { bytes, mediaType } = input;
  if (looksBinary(bytes)) {
    throw new UsageError(`${input.where}: looks like binary data, expected an HTML or plain-text article`);
  }
  const text = mediaType === 'text/html' ? decodeHtmlBytes(bytes, input.contentType).text : decodePlainText(bytes);
  return { uri: input.uri, mediaType, bytes, text };
}

/**
 * Plain text has no place to declare its charset: honour a BOM, else take UTF-8
 * when the bytes are valid UTF-8, else windows-1252 (what older French and Belgian
 * newsroom exports are in). iconv-lite, not TextDecoder, for windows-1252: Node's
 * TextDecoder takes that label for latin1 and turns 0x80-0x9F (€, –, ’) into controls.
 */
export function decodePlainText(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return iconv.decode(Buffer.from(bytes), 'windows-1252');
  }
}

/** NUL bytes near the start mean binary data, unless a UTF-16 BOM explains them. */
function looksBinary(bytes: Uint8Array): boolean {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) return false;
  const head = bytes.subarray(0, BINARY_SNIFF_BYTES);
  return head.includes(0);
}

function looksLikeHtml(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, 1024)).toString('latin1').trimStart().toLowerCase();
  return (
    head.startsWith('<!doctype html') ||
    head.startsWith('<html') ||
    /<(head|body|article|p|div|blockquote)[\s>]/.test(head)
  );
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
