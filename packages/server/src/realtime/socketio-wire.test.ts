import { describe, expect, it } from 'vitest';
import { Decoder, Encoder, PacketType } from 'socket.io-parser';
import { decodeClientFrame, encodeAck, encodeConnectError, encodeEvent, encodeOpen, newId } from './socketio-wire.js';

/** What socket.io-parser (the library both ends of Socket.IO use) makes of a packet. */
function parse(text: string): unknown {
  const decoder = new Decoder();
  let packet: unknown;
  decoder.on('decoded', (decoded: unknown) => (packet = decoded));
  decoder.add(text);
  return packet;
}

describe('the Socket.IO wire packets', () => {
  it('reads what socket.io-client writes: connect with auth, events with and without an ack id', () => {
    const [connect] = new Encoder().encode({ type: PacketType.CONNECT, nsp: '/', data: { token: 't' } }) as string[];
    expect(decodeClientFrame(`4${connect}`)).toEqual({ kind: 'connect', namespace: '/', auth: { token: 't' } });
    const [event] = new Encoder().encode({
      type: PacketType.EVENT,
      nsp: '/',
      id: 12,
      data: ['message:send', { body: 'hé 😀' }],
    }) as string[];
    expect(decodeClientFrame(`4${event}`)).toEqual({
      kind: 'event',
      namespace: '/',
      ackId: 12,
      event: 'message:send',
      payload: { body: 'hé 😀' },
    });
    expect(decodeClientFrame('42["room:list"]')).toMatchObject({ kind: 'event', ackId: undefined, payload: undefined });
    expect(decodeClientFrame('40/admin,{}')).toMatchObject({ kind: 'connect', namespace: '/admin' });
    expect(decodeClientFrame('3')).toEqual({ kind: 'pong' });
    expect(decodeClientFrame('41')).toEqual({ kind: 'disconnect', namespace: '/' });
  });

  it('refuses what Socket.IO would refuse', () => {
    for (const frame of ['', 'x', '42', '42{}', '42[1.5e400', '42[{"a":1}]', '40[1]', '45-["x"]', '49', '4']) {
      expect(decodeClientFrame(frame)).toMatchObject({ kind: 'invalid' });
    }
  });

  it('writes what socket.io-client reads', () => {
    expect(parse(encodeEvent('presence', { userId: 'u', status: 'online' }).slice(1))).toEqual({
      type: PacketType.EVENT,
      nsp: '/',
      data: ['presence', { userId: 'u', status: 'online' }],
    });
    expect(parse(encodeAck(7, { ok: true }).slice(1))).toEqual({
      type: PacketType.ACK,
      nsp: '/',
      id: 7,
      data: [{ ok: true }],
    });
    expect(parse(encodeConnectError('/', 'UNAUTHORIZED', { code: 'UNAUTHORIZED' }).slice(1))).toEqual({
      type: PacketType.CONNECT_ERROR,
      nsp: '/',
      data: { message: 'UNAUTHORIZED', data: { code: 'UNAUTHORIZED' } },
    });
    const open = encodeOpen({ sid: 's', pingInterval: 1, pingTimeout: 2, maxPayload: 3 });
    expect(JSON.parse(open.slice(1))).toEqual({
      sid: 's',
      upgrades: [],
      pingInterval: 1,
      pingTimeout: 2,
      maxPayload: 3,
    });
  });
});

describe('newId', () => {
  it('makes ids of Socket.IO shape, all different, across refills of its random pool', () => {
    const ids = Array.from({ length: 2_000 }, () => newId());
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{20}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
