import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A news site on plain HTTP that a test can hold: while `holding`, each request
 * waits until `releaseAll()`. It emits 'request' (with the path) as each arrives,
 * so a test knows a job is mid-way without guessing how long to wait.
 */
export class ArticleServer extends EventEmitter {
  holding = false;
  /** Each answer waits this long first, as a slow site's would. */
  answerAfterMs = 0;
  readonly requests: string[] = [];
  /** Requests being answered now, and the most there were at once. */
  inFlight = 0;
  maxInFlight = 0;
  private readonly held: (() => void)[] = [];
  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly body: (path: string) => string,
  ) {
    super();
  }

  static async start(
    body: (path: string) => string = (path) =>
      `<html><head><title>Article ${path}</title></head><body><p>No citations.</p></body></html>`,
  ): Promise<ArticleServer> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const site = new ArticleServer(server, (server.address() as AddressInfo).port, body);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => site.handle(request, response));
    return site;
  }

  /** The CITESNAP_CONNECT_TO route that sends `host` (port 80) here. */
  route(host: string): string {
    return `${host}:80:127.0.0.1:${this.port}`;
  }

  /** Resolves with the path of the next request to arrive. */
  nextRequest(): Promise<string> {
    return once(this, 'request').then(([path]) => path as string);
  }

  releaseAll(): void {
    this.holding = false;
    for (const answer of this.held.splice(0)) answer();
  }

  async close(): Promise<void> {
    this.releaseAll();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const path = request.url ?? '/';
    this.requests.push(path);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    let done = false;
    const finished = () => {
      if (done) return;
      done = true;
      this.inFlight -= 1;
    };
    // A client that gives up (or dies) ends its request too.
    response.on('close', finished);
    const answer = () => {
      if (response.destroyed) return;
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(this.body(path));
    };
    const answerInTime = () => (this.answerAfterMs > 0 ? setTimeout(answer, this.answerAfterMs) : answer());
    if (this.holding) this.held.push(answerInTime);
    else answerInTime();
    this.emit('request', path);
  }
}
