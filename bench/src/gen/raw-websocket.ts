import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';

/**
 * The receiving end of a WebSocket for load clients, on a bare TCP socket: the upgrade by hand,
 * then frames read straight out of each TCP chunk (a view, no copy, unless a frame spans chunks).
 *
 * Why: at the fan-out's fixed rate every message is its own frame, and 5,000 `ws` clients on one
 * core spend so long per frame (a stream write, a parser state machine, an event) that the
 * generator, not the server, set the latency. Parley's and the relays' clients both use this.
 */
export interface RawWebSocket {
  /** Sends one text frame. */
  send(text: string): void;
  close(): void;
}

export interface RawWebSocketHandlers {
  /** One complete text (or binary) frame's payload, valid only during the call; `socket` to answer it. */
  onFrame(payload: Buffer, socket: RawWebSocket): void;
  onClose(): void;
}

const OPCODE_CLOSE = 0x8;

export function openRawWebSocket(url: string, handlers: RawWebSocketHandlers): Promise<RawWebSocket> {
  const { hostname, port, pathname, search } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port), noDelay: true });
  return new Promise((resolve, reject) => {
    let head = Buffer.alloc(0);
    const onHandshake = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onHandshake);
      if (!head.subarray(0, end).toString('latin1').startsWith('HTTP/1.1 101')) {
        socket.destroy();
        reject(new Error(`upgrade refused: ${head.subarray(0, end).toString('latin1').split('\r\n')[0] ?? ''}`));
        return;
      }
      const api: RawWebSocket = { send: (text) => socket.write(maskedTextFrame(text)), close: () => socket.destroy() };
      const reader = new FrameReader(
        (payload) => handlers.onFrame(payload, api),
        () => socket.destroy(),
      );
      socket.on('data', (data: Buffer) => reader.push(data));
      resolve(api);
      const rest = head.subarray(end + 4);
      if (rest.length > 0) reader.push(rest);
    };
    socket.on('data', onHandshake);
    socket.once('error', reject);
    socket.once('close', () => {
      reject(new Error('closed during the upgrade'));
      handlers.onClose();
    });
    socket.write(
      `GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\n` +
        `Connection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
        'Sec-WebSocket-Version: 13\r\n\r\n',
    );
  });
}

/**
 * A client frame must be masked. The key is all zeros (masking is then the identity): valid on
 * the wire, and the generator skips an XOR pass over every byte it sends.
 */
function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const length = payload.length;
  const lengthBytes = length < 126 ? 0 : length < 65_536 ? 2 : 8;
  const frame = Buffer.alloc(2 + lengthBytes + 4 + length);
  frame[0] = 0x81;
  if (length < 126) frame[1] = 0x80 | length;
  else if (length < 65_536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  payload.copy(frame, 2 + lengthBytes + 4);
  return frame;
}

/** Splits a server's (unmasked) byte stream into frames. */
class FrameReader {
  /** Bytes of an incomplete frame, kept until the rest arrives. */
  private pending: Buffer | undefined;

  constructor(
    private readonly onFrame: (payload: Buffer) => void,
    private readonly onCloseFrame: () => void,
  ) {}

  push(chunk: Buffer): void {
    let data = chunk;
    if (this.pending) {
      data = Buffer.concat([this.pending, chunk]);
      this.pending = undefined;
    }
    let at = 0;
    while (at < data.length) {
      const frameEnd = this.readFrame(data, at);
      if (frameEnd === -1) {
        this.pending = Buffer.from(data.subarray(at));
        return;
      }
      at = frameEnd;
    }
  }

  /** Handles the frame at `at` and returns where the next one starts, or -1 if it is incomplete. */
  private readFrame(data: Buffer, at: number): number {
    if (data.length - at < 2) return -1;
    const opcode = (data[at] ?? 0) & 0x0f;
    let length = (data[at + 1] ?? 0) & 0x7f;
    let start = at + 2;
    if (length === 126) {
      if (data.length - at < 4) return -1;
      length = data.readUInt16BE(at + 2);
      start = at + 4;
    } else if (length === 127) {
      if (data.length - at < 10) return -1;
      length = Number(data.readBigUInt64BE(at + 2));
      start = at + 10;
    }
    const end = start + length;
    if (end > data.length) return -1;
    if (opcode === OPCODE_CLOSE) this.onCloseFrame();
    else this.onFrame(data.subarray(start, end));
    return end;
  }
}
