// `citesnap serve`: a read-only web server over the configured store (a data dir or
// PostgreSQL) and WARC store, on Node's own http module. The server has a handful of
// routes and no sessions, forms or uploads: a framework would add dependencies and
// routing rules of its own (path decoding and normalising among them) where routes.ts
// wants to see the request target exactly as it came. Static files (the WACZ,
// ReplayWeb.page's) go through `send`, which does ranges, conditional requests and
// HEAD the way a byte-range reader expects.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import send from 'send';
import { dataDirWarcReader, type WarcFileReader } from '../capture/warc-reader.js';
import { messageOf, RecordUnreadableError } from '../errors.js';
import type { DocumentRecord } from '../model/index.js';
import { openDataDirStore } from '../record/data-dir-store.js';
import { serializeRecord } from '../record/serialize.js';
import { dataDirWarcFileNames } from '../warc-store/index.js';
import type { DocumentRecords, SourceTexts, Store } from '../ports.js';
import { markArticle } from './article-text.js';
import { readPhoto } from './photos.js';
import { replayAssetPaths } from './replay-assets.js';
import { routeOf, type ReplayAsset, type Route } from './routes.js';
import { documentHref, documentLabel, documentRow, documentView } from './view-models.js';
import { renderDocument, renderDocumentList, renderError, renderReplay, STYLESHEET } from './views.js';
import { WaczCache } from './wacz-cache.js';

export interface ServeOptions {
  dataDir: string;
  /** Where the records and article texts are read (the configured store); default: the data dir's. Not closed here. */
  store?: Store;
  /** Reads the captures' WARC files (the configured WARC store); default: the data dir's `warc` folder. */
  warcFiles?: WarcFileReader;
  /** The names of the files in that store (WarcStore.list); default: the data dir's `warc` folder's. */
  listWarcFiles?: () => Promise<string[]>;
  /** The interface to listen on. Default 127.0.0.1: another one is the operator's explicit choice. */
  host?: string;
  /** Default 8080; 0 takes a free port. */
  port?: number;
  /** Told of a request that failed inside the server (default: one line on stderr). */
  onError?: (error: unknown, target: string) => void;
}

export interface RunningServer {
  /** The address a browser opens, e.g. http://127.0.0.1:8080/. */
  url: string;
  port: number;
  host: string;
  close(): Promise<void>;
}

/**
 * The pages allow nothing but the server's own stylesheet and images: no script at
 * all, so archived text that slips past escaping still cannot run.
 */
const PAGE_POLICY =
  "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/**
 * ReplayWeb.page runs from the server's own scripts: its viewer, a service worker that
 * reads the WACZ, and the replayed page in a frame of the same origin. Still nothing
 * from another origin; its components set inline styles.
 */
const REPLAY_POLICY =
  "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; media-src 'self' blob:; connect-src 'self' data:; worker-src 'self'; frame-src 'self'; manifest-src 'self'; base-uri 'self'; form-action 'none'; frame-ancestors 'self'";
/** What the server sends that is not a page (the record, a photo, the WACZ): never a document that runs anything. */
const DATA_POLICY = "default-src 'none'; sandbox; frame-ancestors 'none'";

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

/** Documents shown on one page of `/`. */
const DOCUMENTS_PER_PAGE = 50;

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const store = options.store ?? openDataDirStore({ dataDir: options.dataDir });
  const documents = store.documents;
  const handler = new RequestHandler({
    warcFiles: options.warcFiles ?? dataDirWarcReader(options.dataDir),
    listWarcFiles: options.listWarcFiles ?? dataDirWarcFileNames(options.dataDir),
    documents,
    sources: store.sources,
    onError:
      options.onError ??
      ((error, target) => process.stderr.write(`citesnap serve: ${target}: ${messageOf(error).split('\n')[0]}\n`)),
  });
  const server = createServer((request, response) => {
    handler.handle(request, response, host, (server.address() as AddressInfo).port).catch((error: unknown) => {
      handler.failed(response, error, request.url ?? '');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/`,
    port,
    host,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await handler.close();
    },
  };
}

class RequestHandler {
  readonly #warcFiles: WarcFileReader;
  readonly #documents: DocumentRecords;
  readonly #sources: SourceTexts | undefined;
  readonly #wacz: WaczCache;
  readonly #assets: Record<ReplayAsset, string>;
  readonly #onError: (error: unknown, target: string) => void;

  constructor(options: {
    warcFiles: WarcFileReader;
    listWarcFiles: () => Promise<string[]>;
    documents: DocumentRecords;
    sources: SourceTexts | undefined;
    onError: (error: unknown, target: string) => void;
  }) {
    this.#warcFiles = options.warcFiles;
    this.#documents = options.documents;
    this.#sources = options.sources;
    this.#wacz = new WaczCache({ files: options.warcFiles, listFiles: options.listWarcFiles });
    this.#assets = replayAssetPaths();
    this.#onError = options.onError;
  }

  close(): Promise<void> {
    return this.#wacz.close();
  }

  async handle(request: IncomingMessage, response: ServerResponse, host: string, port: number): Promise<void> {
    const target = request.url ?? '';
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Referrer-Policy', 'no-referrer');
    response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      return this.#errorPage(response, 405, 'Read-only', 'This server only shows the archive: GET and HEAD only.');
    }
    // A page elsewhere on the web that rebinds its name to 127.0.0.1 must not read the archive: on a
    // loopback interface, only the loopback names are answered.
    if (LOOPBACK_HOSTS.has(host) && !isLoopbackHostHeader(request.headers.host, port)) {
      return this.#errorPage(
        response,
        421,
        'Wrong host',
        'This server answers to 127.0.0.1, localhost and [::1] only.',
      );
    }
    const route = routeOf(target);
    await this.#serve(route, request, response);
  }

  failed(response: ServerResponse, error: unknown, target: string): void {
    this.#onError(error, target);
    if (response.headersSent) {
      response.destroy();
      return;
    }
    const unreadable = error instanceof RecordUnreadableError;
    this.#errorPage(
      response,
      500,
      unreadable ? 'Record unreadable' : 'Something went wrong',
      unreadable
        ? 'The record of this document cannot be read (damaged or edited by hand): citesnap show names the problem.'
        : 'The server could not answer this request; its log says why.',
    );
  }

  async #serve(route: Route, request: IncomingMessage, response: ServerResponse): Promise<void> {
    switch (route.kind) {
      case 'documents': {
        const { documents, total } = await this.#documents.listNewestFirst({
          offset: (route.page - 1) * DOCUMENTS_PER_PAGE,
          limit: DOCUMENTS_PER_PAGE,
        });
        const pages = Math.max(1, Math.ceil(total / DOCUMENTS_PER_PAGE));
        if (route.page > pages)
          return this.#errorPage(response, 404, 'No such page', `The list has ${pages} page${pages === 1 ? '' : 's'}.`);
        return this.#html(
          response,
          request,
          renderDocumentList({
            rows: documents.map(documentRow),
            total,
            page: route.page,
            pages,
            ...(route.page > 1 ? { previous: route.page === 2 ? '/' : `/?page=${route.page - 1}` } : {}),
            ...(route.page < pages ? { next: `/?page=${route.page + 1}` } : {}),
          }),
        );
      }
      case 'document': {
        const record = await this.#record(route.docId, response);
        if (!record) return;
        const text = await this.#sources?.read(record.record.source.sha256);
        const pieces = text === undefined ? undefined : markArticle(record.record, text);
        return this.#html(response, request, renderDocument(documentView(record.record, pieces)));
      }
      case 'record': {
        const record = await this.#record(route.docId, response);
        if (!record) return;
        // The stored file as it is, byte for byte.
        response.writeHead(200, {
          'Content-Type': 'application/json; charset=utf-8',
          'Content-Security-Policy': DATA_POLICY,
          'Cache-Control': 'no-cache',
          'Content-Length': Buffer.byteLength(record.text),
        });
        response.end(request.method === 'HEAD' ? undefined : record.text);
        return;
      }
      case 'wacz': {
        const record = await this.#record(route.docId, response);
        if (!record) return;
        const path = await this.#wacz.pathOf(record.record, record.text);
        return this.#file(request, response, path, {
          'Content-Type': 'application/wacz',
          'Content-Disposition': `attachment; filename="${record.record.docId}.wacz"`,
          'Content-Security-Policy': DATA_POLICY,
        });
      }
      case 'replay-page': {
        const record = await this.#record(route.docId, response);
        if (!record) return;
        const href = documentHref(record.record.docId);
        const firstPage = record.record.citations.find(
          (citation) => citation.type === 'link' && citation.capture && citation.link?.finalUrl,
        )?.link?.finalUrl;
        return this.#html(
          response,
          request,
          renderReplay({
            title: documentLabel(record.record.source),
            documentHref: href,
            waczHref: `${href}.wacz`,
            ...(firstPage === undefined ? {} : { url: firstPage }),
          }),
          REPLAY_POLICY,
        );
      }
      case 'photo': {
        const record = await this.#record(route.docId, response);
        if (!record) return;
        const citation = record.record.citations[route.citation];
        const photo = citation ? await readPhoto(this.#warcFiles, citation, route.media) : undefined;
        if (!photo) return this.#errorPage(response, 404, 'Not found', 'This document has no such captured photo.');
        response.writeHead(200, {
          'Content-Type': photo.contentType,
          'Content-Length': photo.body.length,
          'Content-Security-Policy': DATA_POLICY,
          'Content-Disposition': photo.contentType === 'application/octet-stream' ? 'attachment' : 'inline',
          'Cache-Control': 'no-cache',
        });
        response.end(request.method === 'HEAD' ? undefined : photo.body);
        return;
      }
      case 'stylesheet':
        response.writeHead(200, {
          'Content-Type': 'text/css; charset=utf-8',
          'Cache-Control': 'no-cache',
          'Content-Length': Buffer.byteLength(STYLESHEET),
        });
        response.end(request.method === 'HEAD' ? undefined : STYLESHEET);
        return;
      case 'replay-asset':
        return this.#file(request, response, this.#assets[route.asset], {
          'Content-Security-Policy': REPLAY_POLICY,
          ...(route.asset === 'index.html' ? { 'Content-Type': 'text/html; charset=utf-8' } : {}),
        });
      case 'bad-request':
        return this.#errorPage(response, 400, 'Bad request', route.reason);
      case 'not-found':
        return this.#errorPage(response, 404, 'Not found', 'Nothing here: the archive has no page at this address.');
    }
  }

  /**
   * The record from the configured store (data dir or PostgreSQL) and its stored form:
   * serializeRecord's, which is the data dir's file byte for byte. A 404 page when
   * there is none.
   */
  async #record(
    docId: string,
    response: ServerResponse,
  ): Promise<{ record: DocumentRecord; text: string } | undefined> {
    const record = await this.#documents.read(docId);
    if (!record) {
      this.#errorPage(response, 404, 'No such document', `The archive has no document ${JSON.stringify(docId)}.`);
      return undefined;
    }
    return { record, text: serializeRecord(record) };
  }

  #html(response: ServerResponse, request: IncomingMessage, body: string, policy = PAGE_POLICY): void {
    response.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': policy,
      'Cache-Control': 'no-cache',
      'Content-Length': Buffer.byteLength(body),
    });
    response.end(request.method === 'HEAD' ? undefined : body);
  }

  #errorPage(response: ServerResponse, status: number, heading: string, message: string): void {
    const body = renderError({ heading, message });
    response.writeHead(status, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': PAGE_POLICY,
      'Cache-Control': 'no-cache',
      'Content-Length': Buffer.byteLength(body),
    });
    response.end(body);
  }

  /** A file the server chose (never one a request names), with ranges and conditional requests. */
  #file(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    headers: Record<string, string>,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      send(request, path, { index: false, dotfiles: 'allow', cacheControl: false, lastModified: true, etag: true })
        .on('headers', (res: ServerResponse) => {
          for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
          res.setHeader('Cache-Control', 'no-cache');
        })
        .on('error', reject)
        .on('end', resolve)
        .pipe(response);
      response.once('close', resolve);
    });
  }
}

/** Host: 127.0.0.1:P, localhost:P or [::1]:P, the port the server listens on. */
function isLoopbackHostHeader(header: string | undefined, port: number): boolean {
  if (header === undefined) return false;
  const match = /^(\[::1\]|127\.0\.0\.1|localhost)(?::(\d+))?$/i.exec(header);
  return match !== null && (match[2] === undefined ? port === 80 : Number(match[2]) === port);
}
