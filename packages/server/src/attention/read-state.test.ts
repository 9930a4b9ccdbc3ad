import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadUpdate } from '@parley/protocol';
import {
  connectUser,
  databaseKinds,
  eventually,
  expectOk,
  startTestServer,
  uniqueName,
  type TestServer,
  type TestUser,
} from '../test-support/index.js';

const kinds = await databaseKinds();

async function roomWith(owner: TestUser, others: TestUser[]): Promise<string> {
  const { room } = expectOk(await owner.client.request('room:create', { name: uniqueName('read') }));
  for (const o of others) expectOk(await o.client.joinRoom(room.id));
  return room.id;
}

describe.each(kinds)('read state on %s', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ kind });
  });
  afterAll(async () => {
    await server.close();
  });

  it("starts a room's creator reading at the room's start: what others sent before the creator's first join stays unread", async () => {
    const alice = await connectUser(server);
    const bob = await connectUser(server);
    const roomId = await roomWith(alice, [bob]);
    expectOk(await bob.client.sendMessage(roomId, 'one'));
    expectOk(await bob.client.sendMessage(roomId, 'two'));
    // Alice never asked for room:join: her first one (a reconnection re-joining, say) moves nothing.
    const joined = expectOk(await alice.client.request('room:join', { roomId, sinceSeq: 0 }));
    expect(joined.readState).toEqual({ roomId, readSeq: 0, lastSeq: 2, unreadCount: 2, mentionCount: 0 });
    const listed = expectOk(await alice.client.request('room:list', { joined: true }));
    expect(listed.readStates).toContainEqual({ roomId, readSeq: 0, lastSeq: 2, unreadCount: 2, mentionCount: 0 });
  });

  it('counts unread and mentions on the server, the same for every device, and moves only forward', async () => {
    const alice = await connectUser(server);
    const bob = await connectUser(server);
    const roomId = await roomWith(alice, [bob]);
    expectOk(await alice.client.sendMessage(roomId, 'hello'));
    expectOk(await alice.client.sendMessage(roomId, `hi @${bob.user.username.toUpperCase()}, see this`));
    expectOk(
      await alice.client.sendMessage(roomId, `not a mention: @${bob.user.username}x or me@${bob.user.username}`),
    );
    expectOk(await bob.client.sendMessage(roomId, 'my own message is never unread'));

    const listed = expectOk(await bob.client.request('room:list', { joined: true }));
    expect(listed.readStates).toContainEqual({ roomId, readSeq: 0, lastSeq: 4, unreadCount: 3, mentionCount: 1 });
    const joined = expectOk(await bob.client.request('room:join', { roomId }));
    expect(joined.readState).toEqual({ roomId, readSeq: 0, lastSeq: 4, unreadCount: 3, mentionCount: 1 });

    // A second device of bob's learns the new position at once, and so does alice (a receipt).
    const bobPhone = await connectUser(server, { token: bob.token, username: bob.user.username });
    const onPhone: ReadUpdate[] = [];
    bobPhone.client.on('read:update', (u) => onPhone.push(u));
    const atAlice: ReadUpdate[] = [];
    alice.client.on('read:update', (u) => atAlice.push(u));
    expectOk(await bob.client.request('read:mark', { roomId, seq: 2 }));
    await eventually(() => (onPhone.length === 1 && atAlice.length === 1 ? true : undefined));
    expect(onPhone[0]).toEqual({ roomId, user: bob.user, seq: 2 });
    expect(atAlice[0]).toEqual({ roomId, user: bob.user, seq: 2 });

    // Backwards is ignored; past the end is the end.
    expectOk(await bob.client.request('read:mark', { roomId, seq: 1 }));
    const phoneList = expectOk(await bobPhone.client.request('room:list', { joined: true }));
    expect(phoneList.readStates).toContainEqual({ roomId, readSeq: 2, lastSeq: 4, unreadCount: 1, mentionCount: 0 });
    expectOk(await bob.client.request('read:mark', { roomId, seq: 999 }));
    const after = expectOk(await bobPhone.client.request('room:join', { roomId }));
    expect(after.readState).toMatchObject({ readSeq: 4, unreadCount: 0 });
    // Alice sees how far bob has read when she opens the room.
    const aliceJoin = expectOk(await alice.client.request('room:join', { roomId }));
    expect(aliceJoin.receipts).toContainEqual({ user: bob.user, seq: 4 });
    for (const c of [alice, bob, bobPhone]) c.client.close();
  });

  it('counts mentions from message_mentions: edits that add or remove a mention, and deletes, keep the count right', async () => {
    const alice = await connectUser(server);
    const bob = await connectUser(server);
    const roomId = await roomWith(alice, [bob]);
    const mentionsOf = async (who: TestUser) =>
      expectOk(await who.client.request('room:list', { joined: true })).readStates?.find((r) => r.roomId === roomId)
        ?.mentionCount;
    const plain = expectOk(await alice.client.sendMessage(roomId, 'no mention yet'));
    const named = expectOk(await alice.client.sendMessage(roomId, `@${bob.user.username} look`));
    // Her own mention of herself is nothing for her to look at; bob's count is the same from every device.
    expectOk(await alice.client.sendMessage(roomId, `note to @${alice.user.username}`));
    expect(await mentionsOf(bob)).toBe(1);
    expect(await mentionsOf(alice)).toBe(0);

    expectOk(
      await alice.client.request('message:edit', { messageId: plain.message.id, body: `now @${bob.user.username}` }),
    );
    expect(await mentionsOf(bob)).toBe(2);
    expectOk(await alice.client.request('message:edit', { messageId: named.message.id, body: 'never mind' }));
    expect(await mentionsOf(bob)).toBe(1);
    expectOk(await alice.client.request('message:delete', { messageId: plain.message.id }));
    expect(await mentionsOf(bob)).toBe(0);
    const phone = await connectUser(server, { token: bob.token, username: bob.user.username });
    expect(await mentionsOf(phone)).toBe(0);

    // Read past a mention: it no longer counts.
    const last = expectOk(await alice.client.sendMessage(roomId, `again @${bob.user.username}`));
    expect(await mentionsOf(phone)).toBe(1);
    expectOk(await bob.client.request('read:mark', { roomId, seq: last.message.seq }));
    expect(await mentionsOf(phone)).toBe(0);
    for (const c of [alice, bob, phone]) c.client.close();
  });

  it('starts a new member with the history read, and sends no receipts for a user who turned them off', async () => {
    const alice = await connectUser(server);
    const carol = await connectUser(server);
    const { room } = expectOk(await alice.client.request('room:create', { name: uniqueName('quiet') }));
    expectOk(await alice.client.sendMessage(room.id, 'before carol came'));
    const joined = expectOk(await carol.client.joinRoom(room.id));
    expect(joined.readState).toMatchObject({ readSeq: 1, unreadCount: 0 });

    const settings = expectOk(await carol.client.request('settings:update', { sendReadReceipts: false }));
    expect(settings.settings).toEqual({ sendReadReceipts: false });
    expect(expectOk(await carol.client.request('settings:get', {})).settings.sendReadReceipts).toBe(false);
    const atAlice: ReadUpdate[] = [];
    alice.client.on('read:update', (u) => atAlice.push(u));
    const atCarol: ReadUpdate[] = [];
    carol.client.on('read:update', (u) => atCarol.push(u));
    expectOk(await alice.client.sendMessage(room.id, 'after'));
    expectOk(await carol.client.request('read:mark', { roomId: room.id, seq: 2 }));
    await eventually(() => (atCarol.length === 1 ? true : undefined));
    // Alice's own mark reaches her, so carol's would have arrived before it had it been sent.
    expectOk(await alice.client.request('read:mark', { roomId: room.id, seq: 2 }));
    await eventually(() => (atAlice.some((u) => u.user.id === alice.user.id) ? true : undefined));
    expect(atAlice.filter((u) => u.user.id === carol.user.id)).toEqual([]);
    expect(expectOk(await alice.client.request('room:join', { roomId: room.id })).receipts).toEqual([]);
    alice.client.close();
    carol.client.close();
  });

  it('refuses read:mark to non-members, for missing rooms and malformed payloads', async () => {
    const alice = await connectUser(server);
    const mallory = await connectUser(server);
    const { room } = expectOk(await alice.client.request('room:create', { name: uniqueName('priv') }));
    const seen: ReadUpdate[] = [];
    alice.client.on('read:update', (u) => seen.push(u));
    expect(await mallory.client.request('read:mark', { roomId: room.id, seq: 1 })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect(await mallory.client.request('read:mark', { roomId: 'nope', seq: 1 })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    for (const bad of [{ roomId: room.id }, { roomId: room.id, seq: -1 }, { roomId: room.id, seq: 1.5 }, { seq: 1 }]) {
      const answer = await mallory.client.request('read:mark', bad as never);
      expect(answer).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
    expect(await mallory.client.request('settings:update', { sendReadReceipts: 'no' } as never)).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST' },
    });
    expect(seen).toEqual([]);
    alice.client.close();
    mallory.client.close();
  });
});
