import { randomBytes } from 'node:crypto';
import net from 'node:net';

/**
 * A WebSocket client on a bare TCP socket, for tests that must misbehave as a hostile client
 * would: stop reading (`pause`) while still sending, or send control frames by hand.
 */
export class RawWebSocket {
  private received = Buffer.alloc(0);
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => (this.received = Buffer.concat([this.received, chunk])));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined);
  }

  /** Opens Parley's WebSocket endpoint and waits for the 101 answer. */
  static open(serverUrl: string, headers: string[] = []): Promise<RawWebSocket> {
    const { port } = new URL(serverUrl);
    const socket = net.connect(Number(port), '127.0.0.1');
    const raw = new RawWebSocket(socket);
    socket.write(
      [
        'GET /socket.io/?EIO=4&transport=websocket HTTP/1.1',
        `Host: 127.0.0.1:${port}`,
        'Connection: Upgrade',
        'Upgrade: websocket',
        'Sec-WebSocket-Version: 13',
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
        ...headers,
        '',
        '',
      ].join('\r\n'),
    );
    return new Promise((resolve, reject) => {
      const check = () => {
        const end = raw.received.indexOf('\r\n\r\n');
        if (end === -1) return;
        socket.off('data', check);
        const head = raw.received.subarray(0, end).toString();
        raw.received = raw.received.subarray(end + 4);
        if (head.startsWith('HTTP/1.1 101')) resolve(raw);
        else reject(new Error(head.split('\r\n')[0]));
      };
      socket.on('data', check);
      socket.once('error', reject);
    });
  }

  /** Sends one masked frame (clients must mask): opcode 1 text, 2 binary, 9 ping, 10 pong. */
  sendFrame(opcode: number, payload: Buffer | string): void {
    const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
    const length = data.length;
    const header = length < 126 ? Buffer.alloc(2) : length < 65_536 ? Buffer.alloc(4) : Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    if (length < 126) header[1] = 0x80 | length;
    else if (length < 65_536) {
      header[1] = 0x80 | 126;
      header.writeUInt16BE(length, 2);
    } else {
      header[1] = 0x80 | 127;
      header.writeBigUInt64BE(BigInt(length), 2);
    }
    const mask = randomBytes(4);
    const masked = Buffer.alloc(length);
    for (let i = 0; i < length; i += 1) masked[i] = (data[i] ?? 0) ^ (mask[i % 4] ?? 0);
    this.socket.write(Buffer.concat([header, mask, masked]));
  }

  sendText(text: string): void {
    this.sendFrame(1, text);
  }

  /** The text frames received so far (server frames are unmasked), and the close frame's code if any. */
  frames(): { texts: string[]; pongs: number; closeCode: number | undefined; closeReason: string | undefined } {
    const texts: string[] = [];
    let pongs = 0;
    let closeCode: number | undefined;
    let closeReason: string | undefined;
    let at = 0;
    const buf = this.received;
    while (at + 2 <= buf.length) {
      const opcode = (buf[at] ?? 0) & 0x0f;
      let length = (buf[at + 1] ?? 0) & 0x7f;
      let start = at + 2;
      if (length === 126) {
        if (start + 2 > buf.length) break;
        length = buf.readUInt16BE(start);
        start += 2;
      } else if (length === 127) {
        if (start + 8 > buf.length) break;
        length = Number(buf.readBigUInt64BE(start));
        start += 8;
      }
      if (start + length > buf.length) break;
      const payload = buf.subarray(start, start + length);
      if (opcode === 1) texts.push(payload.toString());
      if (opcode === 10) pongs += 1;
      if (opcode === 8) {
        closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        closeReason = payload.subarray(2).toString();
      }
      at = start + length;
    }
    return { texts, pongs, closeCode, closeReason };
  }

  /** Stops reading: the kernel's buffers fill, then the server's backlog grows. */
  pause(): void {
    this.socket.pause();
  }

  destroy(): void {
    this.socket.destroy();
  }
}
