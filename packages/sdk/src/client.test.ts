import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '@parley/protocol';
import {
  connectUser,
  eventually,
  expectOk,
  startTestServer,
  uniqueName,
  type TestServer,
} from '../../server/src/test-support/index.js';

describe('the SDK across reconnects', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  async function chat() {
    const alice = await connectUser(server);
    const bob = await connectUser(server);
    const { room } = expectOk(await alice.client.request('room:create', { name: uniqueName('sdk') }));
    expectOk(await bob.client.joinRoom(room.id));
    const seen: Message[] = [];
    bob.client.onMessages((roomId, messages) => {
      if (roomId === room.id) seen.push(...messages);
    });
    return { alice, bob, room, seen };
  }

  it('re-joins open rooms with sinceSeq after a dropped connection: every message once, in order', async () => {
    const { alice, bob, room, seen } = await chat();
    for (let i = 1; i <= 5; i += 1) expectOk(await alice.client.sendMessage(room.id, `before ${i}`));
    await eventually(() => (seen.length === 5 ? true : undefined));

    const statuses: string[] = [];
    bob.client.onStatus((s) => statuses.push(s));
    bob.client.socket.io.engine.close();
    for (let i = 6; i <= 25; i += 1) expectOk(await alice.client.sendMessage(room.id, `while away ${i}`));
    await eventually(() => (seen.length >= 25 && bob.client.connected ? true : undefined), 10_000);
    for (let i = 26; i <= 30; i += 1) expectOk(await alice.client.sendMessage(room.id, `after ${i}`));
    await eventually(() => (seen.length >= 30 ? true : undefined));
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.map((m) => m.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(statuses).toEqual(['reconnecting', 'connected']);
    alice.client.close();
    bob.client.close();
  });

  it('recovers across a server restart on the same data without loss or duplicates', async () => {
    const { alice, bob, room, seen } = await chat();
    expectOk(await alice.client.sendMessage(room.id, 'one'));
    await eventually(() => (seen.length === 1 ? true : undefined));
    await server.restart();
    await eventually(() => (alice.client.connected && bob.client.connected ? true : undefined), 10_000);
    expectOk(await alice.client.sendMessage(room.id, 'two'));
    expectOk(await alice.client.sendMessage(room.id, 'three'));
    await eventually(() => (seen.length >= 3 ? true : undefined));
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.map((m) => m.body)).toEqual(['one', 'two', 'three']);
    alice.client.close();
    bob.client.close();
  });

  it('retries a send whose ack was lost, storing it once', async () => {
    const { alice, room } = await chat();
    const clientMsgId = crypto.randomUUID();
    // A 1 ms ack timeout: the first attempt usually gives up before the server's answer, which
    // it may or may not have stored by then; either way the retry must not store a second copy.
    const first = await alice.client.request(
      'message:send',
      { roomId: room.id, clientMsgId, body: 'once only' },
      { timeoutMs: 1, retries: 0 },
    );
    if (!first.ok) expect(first.error.code).toBe('UNAVAILABLE');
    const retried = expectOk(await alice.client.sendMessage(room.id, 'once only', clientMsgId));
    const history = expectOk(await alice.client.request('room:history', { roomId: room.id }));
    expect(history.messages.filter((m) => m.clientMsgId === clientMsgId)).toEqual([retried.message]);
    alice.client.close();
  });
});
