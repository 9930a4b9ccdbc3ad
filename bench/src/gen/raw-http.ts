import { connect, type Socket } from 'node:net';

/**
 * One keep-alive HTTP/1.1 connection on a bare TCP socket, one request at a time, for the
 * long-polling load clients: the request written by hand, the response cut out of the TCP
 * chunks by its Content-Length (Engine.IO always sends one).
 *
 * Why: at the fan-out's fixed rate each message ends a thousand polls at once, and Node's HTTP
 * client (agent, parser, IncomingMessage stream, events) spent so long per response that the
 * load core, not the server, set long-polling's latency: the same reason the WebSocket clients
 * read frames straight from TCP (raw-websocket.ts).
 */
export class RawHttpConnection {
  private readonly socket: Socket;
  private readonly host: string;
  private buffered: Buffer = Buffer.alloc(0);
  private waiting: { resolve(body: Buffer): void; reject(error: Error): void } | undefined;
  private queue: (() => void)[] = [];
  private closed = false;

  constructor(hostname: string, port: number) {
    this.host = `${hostname}:${port}`;
    this.socket = connect({ host: hostname, port, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', () => this.fail(new Error('connection error')));
    this.socket.on('close', () => this.fail(new Error('connection closed')));
  }

  /** Resolves with the body of a 200 answer; rejects on any other status or a closed connection. */
  request(method: 'GET' | 'POST', path: string, body = ''): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const send = () => {
        if (this.closed) return reject(new Error('connection closed'));
        this.waiting = { resolve, reject };
        const length = Buffer.byteLength(body);
        this.socket.write(
          `${method} ${path} HTTP/1.1\r\nHost: ${this.host}\r\nConnection: keep-alive\r\n` +
            (method === 'POST'
              ? `Content-Type: text/plain;charset=UTF-8\r\nContent-Length: ${length}\r\n\r\n${body}`
              : '\r\n'),
        );
      };
      if (this.waiting) this.queue.push(send);
      else send();
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    for (;;) {
      const end = this.buffered.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = this.buffered.toString('latin1', 0, end);
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (this.buffered.length < end + 4 + length) return;
      const body = this.buffered.subarray(end + 4, end + 4 + length);
      this.buffered = this.buffered.subarray(end + 4 + length);
      const waiting = this.waiting;
      this.waiting = undefined;
      if (head.startsWith('HTTP/1.1 200')) waiting?.resolve(body);
      else waiting?.reject(new Error(head.split('\r\n')[0] ?? 'bad answer'));
      this.queue.shift()?.();
    }
  }

  private fail(error: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.waiting?.reject(error);
    this.waiting = undefined;
    for (const send of this.queue.splice(0)) send();
  }
}
