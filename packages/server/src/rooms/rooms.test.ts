import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '@parley/protocol';
import {
  connectUser,
  databaseKinds,
  eventually,
  expectOk,
  startTestServer,
  uniqueName,
  type TestServer,
  type Transport,
} from '../test-support/index.js';

const kinds = await databaseKinds();
const transports: Transport[] = ['websocket', 'polling'];

describe.each(kinds)('rooms on %s', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ kind });
  });
  afterAll(async () => {
    await server.close();
  });

  describe.each(transports)('over %s', (transport) => {
    it('lets two users create, join and chat in a room in real time', async () => {
      const alice = await connectUser(server, { transport });
      const bob = await connectUser(server, { transport });
      const name = uniqueName('room');
      const { room } = expectOk(await alice.client.request('room:create', { name, topic: 'hello', capacity: 5 }));
      expect(room).toMatchObject({ name, topic: 'hello', capacity: 5, memberCount: 1 });

      const listed = expectOk(await bob.client.request('room:list', {}));
      expect(listed.rooms.map((r) => r.id)).toContain(room.id);
      expect(listed.joinedRoomIds).not.toContain(room.id);

      const memberEvents: unknown[] = [];
      alice.client.on('room:member', (e) => memberEvents.push(e));
      const joined = expectOk(await bob.client.joinRoom(room.id));
      expect(joined.room.memberCount).toBe(2);
      expect(joined.members.map((m) => m.username).sort()).toEqual([alice.user.username, bob.user.username].sort());
      await eventually(() => (memberEvents.length > 0 ? true : undefined));
      expect(memberEvents[0]).toEqual({ roomId: room.id, user: bob.user, change: 'joined' });

      const seenByBob: Message[] = [];
      bob.client.onMessages((_roomId, messages) => seenByBob.push(...messages));
      const sent = expectOk(await alice.client.sendMessage(room.id, '  hi bob  '));
      expect(sent.message).toMatchObject({ roomId: room.id, seq: 1, body: 'hi bob', sender: alice.user });
      expect(new Date(sent.message.sentAt).toISOString()).toBe(sent.message.sentAt);
      await eventually(() => (seenByBob.length === 1 ? true : undefined));
      expect(seenByBob[0]).toEqual(sent.message);

      alice.client.close();
      bob.client.close();
    });
  });

  it('refuses a third member of a room of capacity 2, even when two joins race', async () => {
    const owner = await connectUser(server);
    const { room } = expectOk(await owner.client.request('room:create', { name: uniqueName('small'), capacity: 2 }));
    const racers = await Promise.all([connectUser(server), connectUser(server), connectUser(server)]);
    const results = await Promise.all(racers.map((r) => r.client.request('room:join', { roomId: room.id })));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const refused = results.filter((r) => !r.ok);
    expect(refused).toHaveLength(2);
    for (const r of refused) expect(r).toMatchObject({ ok: false, error: { code: 'ROOM_FULL' } });
    const listed = expectOk(await owner.client.request('room:list', {}));
    expect(listed.rooms.find((r) => r.id === room.id)?.memberCount).toBe(2);
    for (const c of [owner, ...racers]) c.client.close();
  });

  it('pages history backwards with hasMore, and catches up with sinceSeq', async () => {
    const alice = await connectUser(server);
    const { room } = expectOk(await alice.client.request('room:create', { name: uniqueName('hist') }));
    for (let i = 1; i <= 120; i += 1) expectOk(await alice.client.sendMessage(room.id, `m${i}`));

    const latest = expectOk(await alice.client.request('room:join', { roomId: room.id }));
    expect(latest.messages.map((m) => m.seq)).toEqual(range(71, 120));
    expect(latest.hasMore).toBe(true);

    const page1 = expectOk(await alice.client.request('room:history', { roomId: room.id, beforeSeq: 71, limit: 30 }));
    expect(page1.messages.map((m) => m.seq)).toEqual(range(41, 70));
    expect(page1.hasMore).toBe(true);
    const page2 = expectOk(await alice.client.request('room:history', { roomId: room.id, beforeSeq: 41, limit: 100 }));
    expect(page2.messages.map((m) => m.seq)).toEqual(range(1, 40));
    expect(page2.hasMore).toBe(false);
    expect(page2.messages[0]?.body).toBe('m1');

    const since = expectOk(await alice.client.request('room:join', { roomId: room.id, sinceSeq: 115 }));
    expect(since.messages.map((m) => m.seq)).toEqual(range(116, 120));
    expect(since.hasMore).toBe(false);
    alice.client.close();
  });

  it('caps a sinceSeq catch-up at 500 messages and says there is more', async () => {
    const alice = await connectUser(server);
    const { room } = expectOk(await alice.client.request('room:create', { name: uniqueName('big') }));
    await Promise.all(range(1, 520).map((i) => alice.client.sendMessage(room.id, `b${i}`)));
    const first = expectOk(await alice.client.request('room:join', { roomId: room.id, sinceSeq: 0 }));
    expect(first.messages).toHaveLength(500);
    expect(first.messages[0]?.seq).toBe(1);
    expect(first.hasMore).toBe(true);
    const rest = expectOk(await alice.client.request('room:join', { roomId: room.id, sinceSeq: 500 }));
    expect(rest.messages.map((m) => m.seq)).toEqual(range(501, 520));
    expect(rest.hasMore).toBe(false);
    alice.client.close();
  });

  it('keeps membership across reconnects until room:leave, and tells members who left', async () => {
    const alice = await connectUser(server);
    const bob = await connectUser(server);
    const { room } = expectOk(await alice.client.request('room:create', { name: uniqueName('stay') }));
    expectOk(await bob.client.request('room:join', { roomId: room.id }));
    bob.client.close();

    // A new connection of Bob's receives the room's messages without joining again.
    const bobAgain = await connectUser(server, { token: bob.token });
    const received: Message[] = [];
    bobAgain.client.onMessages((_r, m) => received.push(...m));
    expectOk(await alice.client.sendMessage(room.id, 'still there?'));
    await eventually(() => (received.length === 1 ? true : undefined));
    expect(expectOk(await bobAgain.client.request('room:list', {})).joinedRoomIds).toContain(room.id);

    const left: unknown[] = [];
    alice.client.on('room:member', (e) => left.push(e));
    expectOk(await bobAgain.client.leaveRoom(room.id));
    await eventually(() => (left.length === 1 ? true : undefined));
    expect(left[0]).toMatchObject({ roomId: room.id, change: 'left' });
    expectOk(await alice.client.sendMessage(room.id, 'gone'));
    const history = await bobAgain.client.request('room:history', { roomId: room.id });
    expect(history).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    await new Promise((r) => setTimeout(r, 100));
    expect(received).toHaveLength(1);
    alice.client.close();
    bobAgain.client.close();
  });

  it('answers NOT_FOUND for a missing room and CONFLICT for a taken room name', async () => {
    const alice = await connectUser(server);
    const missing = await alice.client.request('room:join', { roomId: 'no-such-room' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const name = uniqueName('dup');
    expectOk(await alice.client.request('room:create', { name }));
    const again = await alice.client.request('room:create', { name: name.toUpperCase() });
    expect(again).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    alice.client.close();
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
