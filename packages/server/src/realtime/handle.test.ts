import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { requestSchemas, type RequestName } from '@parley/protocol';
import { connectUser, expectOk, startTestServer, uniqueName, type TestServer } from '../test-support/index.js';

/** Payloads that no event's schema accepts, and one per event with a field of the wrong type. */
const alwaysBad: unknown[] = [null, 'text', 42, [1, 2], true];
const wrongField: Record<RequestName, unknown> = {
  'room:create': { name: 123 },
  'room:list': 'nope',
  'room:join': { roomId: 'r', sinceSeq: -1 },
  'room:leave': { roomId: '' },
  'room:history': { roomId: 'r', limit: 1000 },
  'message:send': { roomId: 'r', clientMsgId: 'not-a-uuid', body: 'hi' },
  'message:edit': { messageId: 'm', body: 7 },
  'message:delete': { messageId: 42 },
  'reaction:set': { messageId: 'm', emoji: 'not an emoji', on: true },
  'dm:send': { to: 'x', clientMsgId: 'no', payload: '' },
  'dm:ack': { ids: 'a' },
  'keys:publish': { publicKey: 5 },
  'keys:get': {},
  'keys:remove': { deviceId: 'a b' },
  'buddy:request': { username: 'a b' },
  'buddy:respond': { username: 'bob', accept: 'yes' },
  'buddy:remove': {},
  'buddy:list': null,
  'buddy:block': { username: 'bob', blocked: 'yes' },
  'presence:set': { status: 'busy' },
  'call:signal': { to: 'bob', callId: 'c', kind: 'dance' },
  'room:update': { roomId: 'r', slowModeSeconds: -1 },
  'room:invite': { roomId: 'r', username: 'a b' },
  'room:kick': { roomId: 'r' },
  'room:ban': { roomId: 'r', username: 'bob', banned: 'yes' },
  'room:role': { roomId: 'r', username: 'bob', role: 'admin' },
  'room:delete': { roomId: 5 },
  'room:bans': {},
  'room:invitations': 'x',
  'room:invite:decline': { roomId: 5 },
  typing: { roomId: 'r', to: 'bob' },
  'read:mark': { roomId: 'r', seq: -1 },
  'message:search': { query: '' },
  'settings:get': 'x',
  'settings:update': { sendReadReceipts: 'yes' },
  'dm:request:respond': { username: 'bob', accept: 'yes' },
  'dm:request:list': 'all',
};

describe('the event wrapper', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      env: { RATE_LIMIT_PER_SEC: '5', RATE_LIMIT_BURST: '10', MAX_EVENT_BYTES: '2048' },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers BAD_REQUEST naming the field to bad payloads of every event, and keeps serving', async () => {
    const alice = await connectUser(server);
    for (const event of Object.keys(requestSchemas) as RequestName[]) {
      // A fresh connection per event: each has its own rate budget, and this test is about schemas.
      const probe = await connectUser(server, { token: alice.token });
      const socket = probe.client.socket as unknown as {
        timeout(ms: number): {
          emitWithAck(e: string, p: unknown): Promise<{ ok: boolean; error?: { code: string; message: string } }>;
        };
      };
      for (const payload of [...alwaysBad, wrongField[event]]) {
        const answer = await socket.timeout(2000).emitWithAck(event, payload);
        expect(answer.ok, `${event} ${JSON.stringify(payload)}`).toBe(false);
        expect(answer.error?.code, `${event} ${JSON.stringify(payload)}`).toBe('BAD_REQUEST');
        expect(answer.error?.message.length).toBeGreaterThan(3);
      }
      probe.client.close();
    }
    const wrongType = await alice.client.request('room:create', { name: 123 } as never);
    expect(wrongType).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    if (!wrongType.ok) expect(wrongType.error.message).toMatch(/^name:/);
    await new Promise((r) => setTimeout(r, 400));
    expectOk(await alice.client.request('room:create', { name: uniqueName('alive') }));
    alice.client.close();
  });

  it('answers an unknown event, and survives an event sent without an ack', async () => {
    const alice = await connectUser(server);
    await new Promise((r) => setTimeout(r, 400));
    const socket = alice.client.socket as unknown as {
      timeout(ms: number): { emitWithAck(e: string, p: unknown): Promise<unknown> };
      emit(e: string, p: unknown): void;
    };
    for (const unknown of ['room:explode', 'toString', '__proto__', 'constructor']) {
      expect(await socket.timeout(2000).emitWithAck(unknown, {})).toMatchObject({
        ok: false,
        error: { code: 'BAD_REQUEST' },
      });
    }
    socket.emit('room:list', {});
    expectOk(await alice.client.request('room:list', {}));
    alice.client.close();
  });

  it('answers TOO_LARGE to an event over MAX_EVENT_BYTES', async () => {
    const alice = await connectUser(server);
    await new Promise((r) => setTimeout(r, 400));
    const { room } = expectOk(await alice.client.request('room:create', { name: uniqueName('big') }));
    const big = await alice.client.request('room:create', { name: 'x', topic: 'é'.repeat(1500) });
    expect(big).toMatchObject({ ok: false, error: { code: 'TOO_LARGE' } });
    expectOk(await alice.client.sendMessage(room.id, 'still fine'));
    alice.client.close();
  });

  it('answers RATE_LIMITED with retryAfterMs past the per-socket budget, then recovers', async () => {
    const alice = await connectUser(server);
    await new Promise((r) => setTimeout(r, 2100));
    const answers = await Promise.all(Array.from({ length: 25 }, () => alice.client.request('room:list', {})));
    const limited = answers.filter((a) => !a.ok);
    expect(answers.filter((a) => a.ok).length).toBeGreaterThanOrEqual(10);
    expect(limited.length).toBeGreaterThan(0);
    for (const a of limited) {
      expect(a).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
      if (!a.ok) expect(a.error.retryAfterMs).toBeGreaterThan(0);
    }
    await new Promise((r) => setTimeout(r, 500));
    expectOk(await alice.client.request('room:list', {}));
    alice.client.close();
  });

  it('never runs a handler for a socket that failed authentication', async () => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
    const frames: string[] = [];
    ws.on('message', (data: Buffer) => frames.push(data.toString()));
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send('40{"token":"forged"}');
    await new Promise((r) => setTimeout(r, 200));
    const name = uniqueName('sneaky');
    ws.send(`420["room:create",{"name":"${name}"}]`);
    ws.send('421["room:list",{}]');
    await new Promise((r) => setTimeout(r, 300));
    ws.close();
    expect(frames.some((f) => f.startsWith('44') && f.includes('UNAUTHORIZED'))).toBe(true);
    expect(frames.filter((f) => f.startsWith('43'))).toEqual([]);
    const rooms = await server.database.db.selectFrom('rooms').select('name').where('name', '=', name).execute();
    expect(rooms).toEqual([]);
  });
});
