import { encodeFrame, OPCODE } from './frames.js';
import type { Prng } from './prng.js';
import {
  callSignalPayload,
  cookieHeader,
  EVENT_NAMES,
  HOSTILE_NAMES,
  hostileObject,
  invalidUtf8,
  mutateBytes,
  SERVER_ONLY_NAMES,
} from './shapes.js';

/** Bytes to write as one step of a session, how many packets they hold, and how to name them. */
export interface WirePacket {
  bytes: Buffer;
  packets: number;
  description: string;
  /** Likely to end the connection: the session sends nothing after it. */
  fatal?: boolean;
}

/** A well-formed event whose name and payload are hostile: answered, the connection lives on. */
export function hostileEvent(rng: Prng, ackId: number): string {
  const name = rng.chance(0.8) ? rng.pick(EVENT_NAMES) : rng.pick(rng.chance(0.8) ? HOSTILE_NAMES : SERVER_ONLY_NAMES);
  const body = name === 'call:signal' && rng.chance(0.5) ? callSignalPayload(rng) : hostileObject(rng);
  const payload = rng.chance(0.1) ? '' : `,${body}`;
  return `42${rng.chance(0.9) ? ackId : ''}[${JSON.stringify(name)}${payload}]`;
}

/** Socket.IO / Engine.IO texts: events, odd packet types, and the shapes of the parser CVEs. */
export function socketIoText(rng: Prng, ackId: number): string {
  switch (rng.int(10)) {
    case 0:
      return rng.pick(['2', '2probe', '3', '3probe', '1', '5', '6', '4', '40', '41', '43', '44', '46', '47', '49']);
    case 1:
      return rng.pick([
        '4/admin,',
        '40/admin,{}',
        '42/admin,["room:list",{}]',
        `40{"token":${rng.pick(['1e999', '{"__proto__":1}', '[]', 'null', '"' + 'x'.repeat(5000) + '"'])}}`,
        '40[]',
        '40"x"',
        `4${'9'.repeat(rng.pick([20, 400]))}["room:list",{}]`,
        '42["room:list"',
        '42[]',
        '42{}',
        '42[1e999,{}]',
        '42[null]',
        '43' + ackId + '[{}]',
      ]);
    case 2: // CVE-2023-32695: an attachment placeholder that socket.io-parser once dereferenced blindly
      return rng.pick([
        `451-["message:send",{"_placeholder":true,"num":0}]`,
        `451-[{"_placeholder":true,"num":"toString"},1]`,
        `451-["toString",{"_placeholder":true,"num":"__proto__"}]`,
        `45${ackId}1-["room:list",{"_placeholder":true,"num":-1}]`,
        `461-${ackId}[{"_placeholder":true,"num":0}]`,
      ]);
    case 3: // CVE-2020-36049: an attachment count that makes the parser wait for (and buffer) forever
      return `45${rng.pick(['999999999', '9'.repeat(30), '-1', '1e9'])}-["room:list",{}]`;
    default:
      return hostileEvent(rng, ackId);
  }
}

/** One step of a WebSocket session: mostly Socket.IO text, often frames the protocol forbids. */
export function wirePacket(rng: Prng, ackId: number): WirePacket {
  const text = (payload: Buffer, extra: Partial<Parameters<typeof encodeFrame>[0]> = {}) =>
    encodeFrame({ opcode: OPCODE.text, payload, ...extra }, rng);
  const one = (bytes: Buffer, description: string): WirePacket => ({ bytes, packets: 1, description, fatal: true });
  const roll = rng.int(100);
  // Most steps keep the connection open (so one connection carries many packets); the rest are
  // what a server must refuse, and usually end the connection.
  if (rng.chance(0.97)) {
    const survivable = rng.pick([hostileEvent(rng, ackId), hostileEvent(rng, ackId), '3', '2']);
    return {
      bytes: text(Buffer.from(survivable)),
      packets: 1,
      description: `text ${survivable.slice(0, 200)}`,
      fatal: false,
    };
  }
  if (roll < 40) {
    let body: Buffer = Buffer.from(socketIoText(rng, ackId));
    if (rng.chance(0.15)) body = mutateBytes(rng, body);
    return one(text(body), `text ${body.toString('latin1').slice(0, 200)}`);
  }
  switch (roll % 14) {
    case 0:
      return one(
        text(Buffer.concat([Buffer.from('42["room:list",'), invalidUtf8(rng), Buffer.from(']')])),
        'invalid UTF-8',
      );
    case 1:
      return one(encodeFrame({ opcode: OPCODE.binary, payload: rng.bytes(rng.int(300)) }, rng), 'binary frame');
    case 2: {
      // A message in fragments, sometimes with a ping between them, sometimes never finished.
      const body = Buffer.from(`42${ackId}["room:list",{}]`);
      const cut = 1 + rng.int(body.length - 1);
      const parts = [text(body.subarray(0, cut), { fin: false })];
      if (rng.chance(0.3)) parts.push(encodeFrame({ opcode: OPCODE.ping, payload: Buffer.from('p') }, rng));
      if (rng.chance(0.8)) parts.push(encodeFrame({ opcode: OPCODE.continuation, payload: body.subarray(cut) }, rng));
      else parts.push(text(body.subarray(cut)));
      return { bytes: Buffer.concat(parts), packets: parts.length, description: 'fragmented message', fatal: true };
    }
    case 3:
      return one(encodeFrame({ opcode: OPCODE.continuation, payload: Buffer.from('3') }, rng), 'continuation alone');
    case 4:
      return one(text(Buffer.from('3'), { rsv: 1 + rng.int(7) }), 'RSV bits');
    case 5:
      return one(
        encodeFrame({ opcode: rng.pick([3, 4, 5, 6, 7, 0xb, 0xc, 0xf]), payload: Buffer.from('x') }, rng),
        'opcode',
      );
    case 6:
      return one(encodeFrame({ opcode: OPCODE.ping, payload: rng.bytes(126 + rng.int(2000)) }, rng), 'ping > 125');
    case 7:
      return one(encodeFrame({ opcode: OPCODE.ping, payload: Buffer.from('x'), fin: false }, rng), 'fragmented ping');
    case 8: {
      if (!rng.chance(0.1)) return one(encodeFrame({ opcode: OPCODE.ping, payload: rng.bytes(125) }, rng), 'ping');
      const count = rng.pick([20, 50, 200]);
      const ping = () => encodeFrame({ opcode: rng.pick([OPCODE.ping, OPCODE.pong]), payload: rng.bytes(125) }, rng);
      return {
        bytes: Buffer.concat(Array.from({ length: count }, ping)),
        packets: count,
        description: 'ping flood',
        fatal: true,
      };
    }
    case 9:
      return one(text(Buffer.from('3'), { masked: false }), 'unmasked frame');
    case 10: {
      const declared = rng.pick([2n ** 63n - 1n, 2n ** 53n, 1_048_577n, 70_000n]);
      return one(text(Buffer.from('42["room:list",{}]'), { declaredLength: declared }), `length ${declared}`);
    }
    case 11: {
      const code = Buffer.alloc(2);
      code.writeUInt16BE(rng.pick([0, 999, 1005, 1006, 2999, 5000, 1000]));
      const payload = rng.pick([Buffer.from([3]), code, Buffer.concat([code, invalidUtf8(rng)])]);
      return one(encodeFrame({ opcode: OPCODE.close, payload }, rng), 'close frame');
    }
    case 12: {
      if (!rng.chance(0.1)) return one(text(Buffer.from(`42${ackId}["room:list",{}]`)), 'room:list');
      const size = rng.pick([70_000, 1_000_001, 1_500_000]);
      return one(text(Buffer.from(`42["message:send",{"body":"${'x'.repeat(size)}"}]`)), `text of ${size} bytes`);
    }
    default:
      return one(rng.bytes(1 + rng.int(64)), 'raw bytes');
  }
}

const GOOD_TARGET = '/socket.io/?EIO=4&transport=websocket';

/** The upgrade request: usually well-formed, sometimes bent; the two known-crash shapes only when allowed. */
export function upgradeRequest(rng: Prng, token: string | undefined, skipKnownCrashes: boolean): string {
  const bend = rng.chance(0.2);
  const targets = [
    '/socket.io/?EIO=3&transport=websocket',
    '/socket.io/?EIO=4&transport=websocket&sid=nope',
    '/socket.io/?EIO=4&transport=polling',
    '/socket.io/%zz?EIO=4&transport=websocket',
    `/socket.io/?EIO=4&transport=websocket&${'a=%E0&'.repeat(200)}`,
    `${GOOD_TARGET}&__proto__=1&constructor=2`,
    '/%E0%80',
    `/socket.io/${'x'.repeat(9000)}`,
    'http://127.0.0.1/socket.io/?EIO=4&transport=websocket',
    '*',
  ];
  if (!skipKnownCrashes) targets.push('//', '//a:b', '//socket.io/?EIO=4&transport=websocket');
  const target = bend ? rng.pick(targets) : GOOD_TARGET;
  const headers = [
    `GET ${target} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${rng.bytes(16).toString('base64')}`,
    'Sec-WebSocket-Version: 13',
  ];
  if (bend && rng.chance(0.5)) {
    const at = 1 + rng.int(headers.length - 1);
    headers[at] = rng.pick([
      'Sec-WebSocket-Version: 8',
      'Sec-WebSocket-Key: short',
      'Upgrade: websocket, h2c',
      'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits',
      'Origin: null',
      'Origin: http://evil.example',
      `X-Long: ${'y'.repeat(20_000)}`,
    ]);
  }
  const cookie = cookieHeader(rng, token, !skipKnownCrashes && bend);
  if (cookie !== undefined) headers.push(`Cookie: ${cookie}`);
  return `${headers.join('\r\n')}\r\n\r\n`;
}
