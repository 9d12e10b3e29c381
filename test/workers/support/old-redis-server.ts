import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A server that speaks enough of the Redis protocol to pass a connection check (PING,
 * CLIENT SETNAME, the ready check's INFO) and says it is Redis 4.0: older than BullMQ
 * accepts, so a worker's start-up fails only once its BullMQ Workers exist. It counts
 * the connections still open, to show that a failed start leaves none behind.
 * With `hangUp`, it says it is Redis 7.2 and closes the connection on any command
 * it does not know instead of refusing it: a Redis that goes away in the middle of
 * a command.
 */
export class OldRedisServer {
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly hangUp: boolean,
  ) {
    server.on('connection', (socket) => this.serve(socket));
  }

  static async start(options: { hangUp?: boolean } = {}): Promise<OldRedisServer> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return new OldRedisServer(
      server,
      `redis://127.0.0.1:${(server.address() as AddressInfo).port}`,
      options.hangUp === true,
    );
  }

  get openConnections(): number {
    return this.sockets.size;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const parsed = parseCommand(buffered);
        if (parsed === undefined) break;
        buffered = buffered.subarray(parsed.length);
        const reply = answer(parsed.args, this.hangUp ? '7.2.0' : '4.0.0');
        if (this.hangUp && reply.startsWith('-ERR unknown command')) {
          socket.destroy();
          return;
        }
        socket.write(reply);
      }
    });
  }
}

function answer(args: readonly string[], version: string): string {
  const name = args[0]?.toUpperCase();
  switch (name) {
    case 'PING':
      return '+PONG\r\n';
    case 'INFO': {
      const info = `# Server\r\nredis_version:${version}\r\nloading:0\r\n`;
      return `$${Buffer.byteLength(info)}\r\n${info}\r\n`;
    }
    case 'CLIENT':
    case 'SELECT':
    case 'QUIT':
      return '+OK\r\n';
    case 'SUBSCRIBE': {
      const channel = args[1] ?? '';
      return `*3\r\n$9\r\nsubscribe\r\n$${Buffer.byteLength(channel)}\r\n${channel}\r\n:1\r\n`;
    }
    default:
      return `-ERR unknown command '${name ?? ''}'\r\n`;
  }
}

/** One command (an array of bulk strings, as clients send them) from the front of `input`, when it has all of it. */
function parseCommand(input: Buffer): { args: string[]; length: number } | undefined {
  let offset = 0;
  const line = (): string | undefined => {
    const end = input.indexOf('\r\n', offset);
    if (end < 0) return undefined;
    const text = input.subarray(offset, end).toString('latin1');
    offset = end + 2;
    return text;
  };
  const header = line();
  if (header === undefined) return undefined;
  if (!header.startsWith('*')) throw new Error(`expected a command array, got ${JSON.stringify(header)}`);
  const args: string[] = [];
  for (let count = Number(header.slice(1)); count > 0; count -= 1) {
    const size = line();
    if (size === undefined) return undefined;
    const bytes = Number(size.slice(1));
    if (input.length < offset + bytes + 2) return undefined;
    args.push(input.subarray(offset, offset + bytes).toString('utf8'));
    offset += bytes + 2;
  }
  return { args, length: offset };
}
