import type { Prng } from './prng.js';

export const OPCODE = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

export interface FrameSpec {
  opcode: number;
  payload: Buffer;
  fin?: boolean;
  /** The three RSV bits, 0-7; a server that negotiated no extension must refuse any of them. */
  rsv?: number;
  /** Clients must mask; false writes the frame a server must refuse. */
  masked?: boolean;
  /** A declared length other than the payload's (a lie the server must not trust). */
  declaredLength?: bigint;
}

/**
 * One WebSocket frame exactly as specified, valid or not: the fuzzer writes its own bytes because
 * no WebSocket library lets a client send a frame the protocol forbids.
 */
export function encodeFrame(spec: FrameSpec, rng: Prng): Buffer {
  const { opcode, payload, fin = true, rsv = 0, masked = true } = spec;
  const length = spec.declaredLength ?? BigInt(payload.length);
  const lengthBytes = length < 126n ? 0 : length < 65_536n ? 2 : 8;
  const key = masked ? rng.bytes(4) : Buffer.alloc(0);
  const head = Buffer.alloc(2 + lengthBytes);
  head[0] = (fin ? 0x80 : 0) | ((rsv & 0x7) << 4) | (opcode & 0x0f);
  const maskBit = masked ? 0x80 : 0;
  if (lengthBytes === 0) head[1] = maskBit | Number(length);
  else if (lengthBytes === 2) {
    head[1] = maskBit | 126;
    head.writeUInt16BE(Number(length), 2);
  } else {
    head[1] = maskBit | 127;
    head.writeBigUInt64BE(length, 2);
  }
  const body = Buffer.from(payload);
  if (masked) for (let i = 0; i < body.length; i += 1) body[i] = (body[i] ?? 0) ^ (key[i % 4] ?? 0);
  return Buffer.concat([head, key, body]);
}

export interface ServerFrame {
  opcode: number;
  payload: Buffer;
}

/** Splits the server's byte stream into frames; bounded so a misbehaving server cannot grow it. */
export class FrameReader {
  private pending = Buffer.alloc(0);

  constructor(private readonly onFrame: (frame: ServerFrame) => void) {}

  push(chunk: Buffer): void {
    let data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    for (;;) {
      const frame = readFrame(data);
      if (!frame) break;
      this.onFrame(frame.frame);
      data = data.subarray(frame.end);
    }
    if (data.length > 4_194_304) throw new Error('server frame over 4 MiB');
    this.pending = Buffer.from(data);
  }
}

function readFrame(data: Buffer): { frame: ServerFrame; end: number } | undefined {
  if (data.length < 2) return undefined;
  const opcode = (data[0] ?? 0) & 0x0f;
  let length = (data[1] ?? 0) & 0x7f;
  let start = 2;
  if (length === 126) {
    if (data.length < 4) return undefined;
    length = data.readUInt16BE(2);
    start = 4;
  } else if (length === 127) {
    if (data.length < 10) return undefined;
    length = Number(data.readBigUInt64BE(2));
    start = 10;
  }
  if (data.length < start + length) return undefined;
  return { frame: { opcode, payload: data.subarray(start, start + length) }, end: start + length };
}
