import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';

/** What undici actually wrote for one request. */
export interface SentRequestHead {
  /** The header fields of the head, in order (undici adds Content-Length after this). */
  headers: [string, string][];
  remoteAddress: string | undefined;
}

const SEND_HEADERS_CHANNEL = 'undici:client:sendHeaders';

/**
 * Reads back the request head that undici wrote, and the socket it went out on.
 * undici writes some fields itself (host, connection) and reports neither them
 * nor the socket to the request's handler; its diagnostics channel reports both,
 * but for every request of every undici in the process, without saying which
 * dispatch a message belongs to. The match comes from undici's order of work:
 * for each request it calls the handler's onRequestStart and then, in the same
 * synchronous run, publishes the head; so the next message after an
 * onRequestStart belongs to that request.
 */
export class RequestHeadTap {
  #receiver: ((head: SentRequestHead) => void) | undefined;
  readonly #onMessage = (message: unknown): void => {
    const receive = this.#receiver;
    this.#receiver = undefined;
    if (receive === undefined || !isSendHeadersMessage(message)) return;
    receive({ headers: parseHead(message.headers), remoteAddress: message.socket.remoteAddress });
  };

  constructor() {
    subscribe(SEND_HEADERS_CHANNEL, this.#onMessage);
  }

  /** Call from the dispatch handler's onRequestStart: `receive` gets that request's head. */
  receiveNext(receive: (head: SentRequestHead) => void): void {
    this.#receiver = receive;
  }

  close(): void {
    unsubscribe(SEND_HEADERS_CHANNEL, this.#onMessage);
  }
}

function isSendHeadersMessage(message: unknown): message is { headers: string; socket: Socket } {
  return (
    typeof message === 'object' &&
    message !== null &&
    'headers' in message &&
    typeof message.headers === 'string' &&
    'socket' in message &&
    typeof message.socket === 'object'
  );
}

/** `GET /path HTTP/1.1\r\nname: value\r\n...` into its fields (the request line is in the exchange already). */
function parseHead(head: string): [string, string][] {
  return head
    .split('\r\n')
    .slice(1)
    .filter((line) => line !== '')
    .map((line) => {
      // undici writes every field as `${name}: ${value}`.
      const colon = line.indexOf(': ');
      return [line.slice(0, colon), line.slice(colon + 2)];
    });
}
