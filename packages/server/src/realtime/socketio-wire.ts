import { randomFillSync } from 'node:crypto';
import { answerUtf8Pieces, stringifyAnswer } from './shared-json.js';

/**
 * The text packets of Engine.IO v4 carrying Socket.IO v5, as PROTOCOL.md's transport defines
 * them: what Parley's own WebSocket endpoint reads and writes. Binary attachments are not part
 * of Parley's protocol (every payload is JSON), so they are refused, not decoded: a BINARY_EVENT
 * or BINARY_ACK (`45`, `46`), which Socket.IO would accept and then wait for attachments, is
 * invalid here and closes the connection, as Socket.IO closes one that sends an attachment it
 * did not expect.
 *
 * Engine.IO: `0` open, `1` close, `2` ping, `3` pong, `4` message (a Socket.IO packet follows).
 * Socket.IO: `0` connect, `1` disconnect, `2` event, `3` ack, `4` connect error, then an optional
 * `/namespace,`, an optional ack id, and JSON.
 */

export type InboundPacket =
  | { kind: 'pong' }
  | { kind: 'ping'; probe: string }
  | { kind: 'close' }
  | { kind: 'connect'; namespace: string; auth: unknown }
  | { kind: 'disconnect'; namespace: string }
  | { kind: 'event'; namespace: string; ackId: number | undefined; event: string; payload: unknown }
  | { kind: 'ack'; namespace: string }
  | { kind: 'invalid'; reason: string };

const invalid = (reason: string): InboundPacket => ({ kind: 'invalid', reason });

/** Decodes one text frame from a client. Anything Socket.IO's own parser would refuse is `invalid`. */
export function decodeClientFrame(text: string): InboundPacket {
  switch (text.charCodeAt(0)) {
    case 0x33: // '3'
      return { kind: 'pong' };
    case 0x32: // '2'
      return { kind: 'ping', probe: text.slice(1) };
    case 0x31: // '1'
      return { kind: 'close' };
    case 0x34: // '4'
      return decodeSocketIo(text);
    default:
      return invalid('unknown Engine.IO packet type');
  }
}

function decodeSocketIo(text: string): InboundPacket {
  const type = text.charCodeAt(1);
  let at = 2;
  let namespace = '/';
  if (text.charCodeAt(at) === 0x2f /* '/' */) {
    const comma = text.indexOf(',', at);
    namespace = comma === -1 ? text.slice(at) : text.slice(at, comma);
    at = comma === -1 ? text.length : comma + 1;
  }
  let ackId: number | undefined;
  while (at < text.length) {
    const digit = text.charCodeAt(at) - 0x30;
    if (digit < 0 || digit > 9) break;
    ackId = (ackId ?? 0) * 10 + digit;
    at += 1;
  }
  if (ackId !== undefined && !Number.isSafeInteger(ackId)) return invalid('ack id out of range');
  const json = text.slice(at);
  let data: unknown;
  if (json.length > 0) {
    try {
      data = JSON.parse(json);
    } catch {
      return invalid('payload is not JSON');
    }
  }
  switch (type) {
    case 0x30: // connect
      if (data !== undefined && (typeof data !== 'object' || data === null || Array.isArray(data))) {
        return invalid('connect auth must be an object');
      }
      return { kind: 'connect', namespace, auth: data };
    case 0x31:
      return { kind: 'disconnect', namespace };
    case 0x32: {
      if (!Array.isArray(data) || (typeof data[0] !== 'string' && typeof data[0] !== 'number')) {
        return invalid('an event is an array starting with its name');
      }
      const [event, payload] = data as [string | number, unknown];
      return { kind: 'event', namespace, ackId, event: String(event), payload };
    }
    case 0x33:
      return { kind: 'ack', namespace };
    default:
      return invalid('unsupported Socket.IO packet type');
  }
}

/** Engine.IO's open packet; `upgrades` is empty because the connection is already a WebSocket. */
export function encodeOpen(options: {
  sid: string;
  pingInterval: number;
  pingTimeout: number;
  maxPayload: number;
}): string {
  const { sid, pingInterval, pingTimeout, maxPayload } = options;
  return `0${JSON.stringify({ sid, upgrades: [], pingInterval, pingTimeout, maxPayload })}`;
}

export const PING = '2';
export const DISCONNECT = '41';

export function encodeConnected(socketId: string): string {
  return `40${JSON.stringify({ sid: socketId })}`;
}

/** Socket.IO's connect error: `message` is the error code, `data` the protocol's error body. */
export function encodeConnectError(namespace: string, message: string, data?: unknown): string {
  const prefix = namespace === '/' ? '44' : `44${namespace},`;
  return prefix + JSON.stringify(data === undefined ? { message } : { message, data });
}

export function encodeEvent(event: string, payload: unknown): string {
  return `42${JSON.stringify([event, payload])}`;
}

export function encodeAck(ackId: number, result: unknown): string {
  // `[result]` as JSON, with what many answers share encoded once (issue 17: re-joins).
  if (typeof result !== 'object' || result === null) return `43${ackId}${JSON.stringify([result])}`;
  return `43${ackId}[${stringifyAnswer(result)}]`;
}

/**
 * An acknowledgement as a complete frame, the same bytes as `textFrame(encodeAck(ackId, result))`,
 * with the shared values' UTF-8 copied in rather than encoded again.
 */
export function ackFrame(ackId: number, result: unknown): Buffer {
  if (typeof result !== 'object' || result === null) return textFrame(encodeAck(ackId, result));
  const pieces = [`43${ackId}[`, ...answerUtf8Pieces(result), ']'];
  let length = 0;
  for (const piece of pieces) length += typeof piece === 'string' ? Buffer.byteLength(piece) : piece.length;
  const frame = frameFor(length);
  let offset = frame.length - length;
  for (const piece of pieces) {
    offset += typeof piece === 'string' ? frame.write(piece, offset, 'utf8') : piece.copy(frame, offset);
  }
  return frame;
}

/** A complete server-to-client text frame (RFC 6455 §5.2: FIN, opcode 1, unmasked), in one buffer. */
export function textFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const frame = frameFor(length);
  frame.write(text, frame.length - length, 'utf8');
  return frame;
}

/** A text frame's buffer with its header written, room for `length` bytes of payload after it. */
function frameFor(length: number): Buffer {
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x81;
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  return frame;
}

const ID_BYTES = 15;
/**
 * Random bytes for 256 ids, drawn from the CSPRNG in one call: a call per id (two per connection)
 * cost more than the rest of making the id (issue 17, reconnect storm). Each byte is used once.
 */
const idPool = Buffer.alloc(ID_BYTES * 256);
let idPoolOffset = idPool.length;

/** The same shape as Socket.IO's ids: 20 URL-safe characters. */
export function newId(): string {
  if (idPoolOffset === idPool.length) {
    randomFillSync(idPool);
    idPoolOffset = 0;
  }
  const id = idPool.toString('base64url', idPoolOffset, idPoolOffset + ID_BYTES);
  idPoolOffset += ID_BYTES;
  return id;
}
