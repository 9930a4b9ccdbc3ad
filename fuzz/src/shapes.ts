import type { Prng } from './prng.js';

/** Every client → server event Parley knows, and the names an attacker tries instead. */
export const EVENT_NAMES = [
  'room:create',
  'room:list',
  'room:join',
  'room:leave',
  'room:history',
  'message:send',
  'message:edit',
  'message:delete',
  'reaction:set',
  'dm:send',
  'dm:ack',
  'keys:publish',
  'keys:get',
  'keys:remove',
  'buddy:request',
  'buddy:respond',
  'buddy:remove',
  'buddy:list',
  'buddy:block',
  'presence:set',
  'call:signal',
  // Wave 2, rooms with owners (issue 15).
  'room:update',
  'room:invite',
  'room:kick',
  'room:ban',
  'room:role',
  'room:delete',
  'room:bans',
  'room:invitations',
  'room:invite:decline',
  'typing',
  'read:mark',
  'message:search',
  'settings:get',
  'settings:update',
  // Issue 13: message requests answered once for every device of the user.
  'dm:request:respond',
  'dm:request:list',
];
/** Server → client names a client may try to send (call:status is the server's word only). */
export const SERVER_ONLY_NAMES = ['call:status', 'presence', 'dm:new', 'message:new', 'dm:request:update'];
/** Prototype keys and the names Socket.IO reserves (CVE-2024-38355: an "error" event with no listener). */
export const HOSTILE_NAMES = [
  '__proto__',
  'constructor',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'prototype',
  'error',
  'connect',
  'connect_error',
  'disconnect',
  'disconnecting',
  'newListener',
  'removeListener',
  '',
];

const HUGE_NUMBERS = ['1e309', '-1e309', '9007199254740993', '1e-400', '-0', '123456789e99999', '0.' + '9'.repeat(400)];
const FIELDS = [
  'roomId',
  'name',
  'topic',
  'body',
  'sinceSeq',
  'limit',
  'to',
  'payload',
  'ids',
  'data',
  'username',
  // Issue 14: messages that change.
  'messageId',
  'emoji',
  'on',
  'replyTo',
  'sinceVersion',
  // Wave 2 (issue 15).
  'visibility',
  'slowModeSeconds',
  'banned',
  'role',
  'attachments',
  'seq',
  'query',
  'beforeSeq',
  'cursor',
  'sendReadReceipts',
  'callId',
  'kind',
  // Devices (issue 13): per-device copies, device ids, blocking.
  'copies',
  'allDevices',
  'deviceId',
  'publicKey',
  'blocked',
];

/** JSON text nested `depth` deep, as arrays or objects. */
export function deepJson(depth: number, asObject: boolean): string {
  return asObject ? '{"a":'.repeat(depth) + '1' + '}'.repeat(depth) : '['.repeat(depth) + ']'.repeat(depth);
}

/** One JSON value (as text) of a kind an attacker sends: wrong types, huge, deep, prototype keys. */
export function hostileValue(rng: Prng, level = 0): string {
  switch (rng.int(level > 2 ? 6 : 12)) {
    case 0:
      return rng.pick(HUGE_NUMBERS);
    case 1:
      return JSON.stringify(rng.pick(HOSTILE_NAMES));
    case 2:
      return rng.pick(['null', 'true', 'false', '[]', '{}', '""', '0', '-1']);
    case 3:
      // Over-long text; past MAX_EVENT_BYTES only now and then, as that ends the connection.
      return JSON.stringify('x'.repeat(rng.chance(0.05) ? 70_000 : rng.pick([1, 64, 4001, 16_385])));
    case 4:
      return JSON.stringify(rng.pick(['\ud800', '\u0000', '\u202e', 'é'.repeat(2000), '😀'.repeat(1000)]));
    case 5:
      return JSON.stringify(seededUuid(rng));
    case 6:
      return deepJson(rng.chance(0.05) ? 20_000 : rng.pick([10, 33, 1000, 10_000]), rng.chance(0.5));
    case 7:
      return `{"__proto__":${hostileValue(rng, level + 1)},"constructor":{"prototype":${hostileValue(rng, level + 1)}}}`;
    case 8:
      // Many small values (the node budget), or a few of any kind.
      return rng.chance(0.3)
        ? `[${Array.from({ length: 600 }, () => rng.pick(['1e400', '0', '{}', '"a"'])).join(',')}]`
        : `[${Array.from({ length: 1 + rng.int(3) }, () => hostileValue(rng, level + 3)).join(',')}]`;
    default:
      return hostileObject(rng, level + 1);
  }
}

/** A well-formed v4 UUID from the seeded generator (clientMsgId and friends). */
export function seededUuid(rng: Prng): string {
  const hex = rng.bytes(16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** An object whose keys are the protocol's fields (so it reaches the schemas) or prototype keys. */
export function hostileObject(rng: Prng, level = 0): string {
  const count = rng.int(5);
  const entries: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const key = rng.chance(0.7) ? rng.pick(FIELDS) : rng.pick(HOSTILE_NAMES);
    entries.push(`${JSON.stringify(key)}:${hostileValue(rng, level + 1)}`);
  }
  return `{${entries.join(',')}}`;
}

/** Breaks a packet the ways a careless or hostile client does: cut, flipped, duplicated, grown. */
export function mutateBytes(rng: Prng, input: Buffer): Buffer {
  if (input.length === 0) return rng.bytes(rng.int(16));
  const at = rng.int(input.length);
  switch (rng.int(7)) {
    case 0:
      return input.subarray(0, at);
    case 1: {
      const out = Buffer.from(input);
      out[at] = rng.int(256);
      return out;
    }
    case 2:
      return Buffer.concat([input.subarray(0, at), invalidUtf8(rng), input.subarray(at)]);
    case 3:
      return Buffer.concat([input.subarray(0, at), input.subarray(at), input.subarray(at)]);
    case 4:
      return Buffer.concat([input.subarray(0, at), Buffer.from(rng.pick(HUGE_NUMBERS)), input.subarray(at + 1)]);
    case 5:
      return Buffer.concat([input.subarray(0, at), rng.bytes(1 + rng.int(8)), input.subarray(at)]);
    default:
      return Buffer.concat([input.subarray(0, at), Buffer.from(rng.pick(['\x1e', '"', ',', ']', '}', '\\'])), input]);
  }
}

/** Byte sequences that are not UTF-8: lone continuation, overlong, surrogate, truncated. */
export function invalidUtf8(rng: Prng): Buffer {
  return Buffer.from(
    rng.pick([[0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe0, 0x80], [0xff], [0xf4, 0x90, 0x80, 0x80], [0xc3]]),
  );
}

/** Cookie headers, valid or not; the known-crash ones (bad percent-encoding) only when allowed. */
export function cookieHeader(rng: Prng, token: string | undefined, withBadEncoding: boolean): string | undefined {
  const shapes = [
    undefined,
    token ? `parley_session=${token}` : undefined,
    'parley_session=',
    'parley_session="x"',
    `parley_session=a; parley_session=${token ?? 'b'}`,
    `parley_session=${'z'.repeat(9000)}`,
    '__proto__=1; constructor=2; toString=3',
    ';;;=;',
    'parley_session=%41%42',
  ];
  if (withBadEncoding) shapes.push('parley_session=%E0', 'parley_session=%', 'parley_session=%zz', 'a=%C3%28');
  return rng.pick(shapes);
}

/** Escaped, short enough to print: how a reproduction names the bytes it sent. */
export function describeBytes(bytes: Buffer | string, max = 240): string {
  const text = typeof bytes === 'string' ? bytes : bytes.toString('latin1');
  const shown = JSON.stringify(text.length > max ? text.slice(0, max) : text);
  return text.length > max ? `${shown}… (${text.length} bytes)` : shown;
}

const CALL_KINDS = ['offer', 'answer', 'candidate', 'hangup', 'reject'];

/** A `call:signal` close to valid (so it passes the schema now and then): kinds, ids, sealed-ish data. */
export function callSignalPayload(rng: Prng): string {
  const to = rng.chance(0.5) ? JSON.stringify(rng.pick(['bob_b', 'nobody_at_all', 'a'])) : hostileValue(rng, 2);
  const callId = rng.chance(0.6) ? JSON.stringify(seededUuid(rng)) : hostileValue(rng, 2);
  const kind = rng.chance(0.7) ? JSON.stringify(rng.pick(CALL_KINDS)) : hostileValue(rng, 2);
  const data = rng.chance(0.3)
    ? ''
    : `,"data":${rng.chance(0.5) ? JSON.stringify('v1.' + 'A'.repeat(rng.int(20_000))) : hostileValue(rng, 1)}`;
  return `{"to":${to},"callId":${callId},"kind":${kind}${data}}`;
}
