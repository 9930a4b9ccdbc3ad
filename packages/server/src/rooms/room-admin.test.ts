import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message, RoomInvited, RoomMember, RoomUpdated } from '@parley/protocol';
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

/** Waits until the listener's list holds an item that matches. */
const seen = <T>(list: T[], match: (item: T) => boolean) =>
  eventually(() => (list.some(match) ? true : undefined), 10_000);

describe.each(kinds)('rooms with owners on %s', (kind) => {
  let server: TestServer;
  const open: TestUser[] = [];
  beforeAll(async () => {
    server = await startTestServer({ kind });
  });
  afterAll(async () => {
    for (const u of open) u.client.close();
    await server.close();
  });

  async function user(): Promise<TestUser> {
    const u = await connectUser(server);
    open.push(u);
    return u;
  }

  /** An owner, a moderator and a member in a fresh room. */
  async function staffedRoom(visibility: 'public' | 'private' = 'public') {
    const [owner, mod, member] = await Promise.all([user(), user(), user()]);
    const { room } = expectOk(
      await owner.client.request('room:create', { name: uniqueName('adm'), visibility, capacity: 20 }),
    );
    for (const u of [mod, member]) {
      if (visibility === 'private') {
        expectOk(await owner.client.request('room:invite', { roomId: room.id, username: u.user.username }));
      }
      expectOk(await u.client.joinRoom(room.id));
    }
    expectOk(
      await owner.client.request('room:role', { roomId: room.id, username: mod.user.username, role: 'moderator' }),
    );
    return { room, owner, mod, member };
  }

  it('makes the creator the owner; the owner names moderators; the member list shows roles', async () => {
    const { room, owner, mod, member } = await staffedRoom();
    expect(room).toMatchObject({ visibility: 'public', slowModeSeconds: 0 });
    const joined = expectOk(await member.client.request('room:join', { roomId: room.id }));
    const roles = Object.fromEntries(joined.members.map((m) => [m.username, m.role]));
    expect(roles).toEqual({
      [owner.user.username]: 'owner',
      [mod.user.username]: 'moderator',
      [member.user.username]: 'member',
    });
    const events: RoomMember[] = [];
    member.client.on('room:member', (e) => events.push(e));
    expectOk(await owner.client.request('room:role', { roomId: room.id, username: mod.user.username, role: 'member' }));
    await seen(events, (e) => e.change === 'role' && e.user.id === mod.user.id && e.role === 'member');
  });

  it('refuses role changes to anyone but the owner, and roles for non-members', async () => {
    const { room, mod, member, owner } = await staffedRoom();
    for (const actor of [mod, member]) {
      const refused = await actor.client.request('room:role', {
        roomId: room.id,
        username: member.user.username,
        role: 'moderator',
      });
      expect(refused).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    }
    const stranger = await user();
    const notMember = await owner.client.request('room:role', {
      roomId: room.id,
      username: stranger.user.username,
      role: 'moderator',
    });
    expect(notMember).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const noSuchUser = await owner.client.request('room:role', {
      roomId: room.id,
      username: 'nobody_x1',
      role: 'member',
    });
    expect(noSuchUser).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('lets owner and moderators update the room and tells the members; members are refused', async () => {
    const { room, mod, member } = await staffedRoom();
    const updates: RoomUpdated[] = [];
    member.client.on('room:updated', (e) => updates.push(e));
    const name = uniqueName('renamed');
    const updated = expectOk(
      await mod.client.request('room:update', { roomId: room.id, name, topic: 'new topic', capacity: 7 }),
    );
    expect(updated.room).toMatchObject({ id: room.id, name, topic: 'new topic', capacity: 7 });
    await seen(updates, (e) => e.room.name === name);
    const refused = await member.client.request('room:update', { roomId: room.id, topic: 'mine now' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const other = expectOk(await member.client.request('room:create', { name: uniqueName('taken') }));
    const clash = await mod.client.request('room:update', { roomId: room.id, name: other.room.name });
    expect(clash).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    const bad = await mod.client.request('room:update', { roomId: room.id, slowModeSeconds: 1_000_000 });
    expect(bad).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    const missing = await mod.client.request('room:update', { roomId: randomUUID(), topic: 'x' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('kicks: the member is told, leaves the fan-out at once, and may join again', async () => {
    const { room, owner, mod, member } = await staffedRoom();
    const second = await connectUser(server, { token: member.token });
    open.push(second);
    expectOk(await second.client.joinRoom(room.id));
    const told: RoomMember[] = [];
    second.client.on('room:member', (e) => told.push(e));
    const watched: RoomMember[] = [];
    owner.client.on('room:member', (e) => watched.push(e));
    expectOk(await mod.client.request('room:kick', { roomId: room.id, username: member.user.username }));
    await seen(told, (e) => e.change === 'kicked' && e.user.id === member.user.id);
    await seen(watched, (e) => e.change === 'kicked' && e.user.id === member.user.id);
    // Neither of the member's connections hears the room any more.
    const heard: Message[] = [];
    for (const c of [member, second]) c.client.on('message:new', (p) => heard.push(...p.messages));
    const heardByMod: Message[] = [];
    mod.client.on('message:new', (p) => heardByMod.push(...p.messages));
    expectOk(await owner.client.sendMessage(room.id, 'after the kick'));
    await seen(heardByMod, (m) => m.body === 'after the kick');
    expect(heard).toEqual([]);
    const history = await member.client.request('room:history', { roomId: room.id });
    expect(history).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expectOk(await member.client.request('room:join', { roomId: room.id }));
  });

  it('refuses kicks by members, of equals and betters, of oneself and of non-members', async () => {
    const { room, owner, mod, member } = await staffedRoom();
    const cases: [TestUser, TestUser, string][] = [
      [member, mod, 'FORBIDDEN'],
      [member, owner, 'FORBIDDEN'],
      [mod, owner, 'FORBIDDEN'],
      [mod, mod, 'FORBIDDEN'],
    ];
    for (const [actor, target, code] of cases) {
      const answer = await actor.client.request('room:kick', { roomId: room.id, username: target.user.username });
      expect(answer).toMatchObject({ ok: false, error: { code } });
    }
    const stranger = await user();
    const outsider = await stranger.client.request('room:kick', { roomId: room.id, username: member.user.username });
    expect(outsider).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const notMember = await mod.client.request('room:kick', { roomId: room.id, username: stranger.user.username });
    expect(notMember).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    // The owner may act on a moderator.
    expectOk(await owner.client.request('room:kick', { roomId: room.id, username: mod.user.username }));
  });

  it('bans across reconnects until unbanned; a ban takes the role away', async () => {
    const { room, owner, mod, member } = await staffedRoom();
    const told: RoomMember[] = [];
    member.client.on('room:member', (e) => told.push(e));
    expectOk(await mod.client.request('room:ban', { roomId: room.id, username: member.user.username, banned: true }));
    await seen(told, (e) => e.change === 'banned');
    const again = await member.client.request('room:join', { roomId: room.id });
    expect(again).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    // A new connection (a reconnect) is still banned.
    const later = await connectUser(server, { token: member.token });
    open.push(later);
    expect(await later.client.request('room:join', { roomId: room.id })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    const bans = expectOk(await mod.client.request('room:bans', { roomId: room.id }));
    expect(bans.users.map((u) => u.id)).toEqual([member.user.id]);
    expect(await member.client.request('room:bans', { roomId: room.id })).toMatchObject({ ok: false });
    // Unbanning by a member is refused; by a moderator it works.
    expectOk(await owner.client.request('room:ban', { roomId: room.id, username: mod.user.username, banned: true }));
    const modNow = await mod.client.request('room:ban', {
      roomId: room.id,
      username: member.user.username,
      banned: false,
    });
    expect(modNow).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expectOk(
      await owner.client.request('room:ban', { roomId: room.id, username: member.user.username, banned: false }),
    );
    expectOk(await later.client.request('room:join', { roomId: room.id }));
    expectOk(await owner.client.request('room:ban', { roomId: room.id, username: mod.user.username, banned: false }));
    const rejoined = expectOk(await mod.client.request('room:join', { roomId: room.id }));
    expect(rejoined.members.find((m) => m.id === mod.user.id)?.role).toBe('member');
  });

  it('hands ownership over, and the owner deletes the room with its history', async () => {
    const { room, owner, mod, member } = await staffedRoom();
    expectOk(await member.client.sendMessage(room.id, 'history that goes'));
    expectOk(
      await owner.client.request('room:role', { roomId: room.id, username: member.user.username, role: 'owner' }),
    );
    const members = expectOk(await mod.client.request('room:join', { roomId: room.id })).members;
    expect(members.find((m) => m.id === member.user.id)?.role).toBe('owner');
    expect(members.find((m) => m.id === owner.user.id)?.role).toBe('moderator');
    for (const actor of [owner, mod]) {
      expect(await actor.client.request('room:delete', { roomId: room.id })).toMatchObject({
        ok: false,
        error: { code: 'FORBIDDEN' },
      });
    }
    const deleted: string[] = [];
    mod.client.on('room:deleted', (e) => deleted.push(e.roomId));
    expectOk(await member.client.request('room:delete', { roomId: room.id }));
    await seen(deleted, (id) => id === room.id);
    expect(await mod.client.request('room:history', { roomId: room.id })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    const listed = expectOk(await mod.client.request('room:list', { query: room.name }));
    expect(listed.rooms).toEqual([]);
    const left = await server.database.db.selectFrom('messages').select('id').where('room_id', '=', room.id).execute();
    expect(left).toEqual([]);
  });

  it('keeps a private room to its members and invitees: list, search, join, history', async () => {
    const { room, owner, member } = await staffedRoom('private');
    const outsider = await user();
    const listed = expectOk(await outsider.client.request('room:list', {}));
    expect(listed.rooms.map((r) => r.id)).not.toContain(room.id);
    const searched = expectOk(await outsider.client.request('room:list', { query: room.name }));
    expect(searched.rooms).toEqual([]);
    for (const event of ['room:join', 'room:history'] as const) {
      expect(await outsider.client.request(event, { roomId: room.id })).toMatchObject({
        ok: false,
        error: { code: 'FORBIDDEN' },
      });
    }
    // A plain member may not open the door; an outsider may not even see it.
    const byMember = await member.client.request('room:invite', { roomId: room.id, username: outsider.user.username });
    expect(byMember).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const byOutsider = await outsider.client.request('room:invite', {
      roomId: room.id,
      username: outsider.user.username,
    });
    expect(byOutsider).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const invitations: RoomInvited[] = [];
    outsider.client.on('room:invited', (e) => invitations.push(e));
    expectOk(await owner.client.request('room:invite', { roomId: room.id, username: outsider.user.username }));
    await seen(invitations, (e) => e.room.id === room.id && e.by.id === owner.user.id);
    const nowListed = expectOk(await outsider.client.request('room:list', { query: room.name }));
    expect(nowListed.rooms.map((r) => r.id)).toEqual([room.id]);
    expectOk(await outsider.client.joinRoom(room.id));
    expectOk(await outsider.client.request('room:history', { roomId: room.id }));
    // A room made private later hides from outsiders from then on.
    const pub = expectOk(await owner.client.request('room:create', { name: uniqueName('later') }));
    const stranger = await user();
    expect(expectOk(await stranger.client.request('room:list', { query: pub.room.name })).rooms).toHaveLength(1);
    expectOk(await owner.client.request('room:update', { roomId: pub.room.id, visibility: 'private' }));
    expect(expectOk(await stranger.client.request('room:list', { query: pub.room.name })).rooms).toEqual([]);
  });

  it('slow mode refuses a member’s quick second message, not a retry, not a moderator', async () => {
    const { room, owner, mod, member } = await staffedRoom();
    expectOk(await mod.client.request('room:update', { roomId: room.id, slowModeSeconds: 60 }));
    const clientMsgId = randomUUID();
    expectOk(await member.client.sendMessage(room.id, 'first', clientMsgId));
    const quick = await member.client.request('message:send', {
      roomId: room.id,
      clientMsgId: randomUUID(),
      body: 'x',
    });
    expect(quick).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    if (!quick.ok) expect(quick.error.retryAfterMs).toBeGreaterThan(50_000);
    // A retry after a lost ack gets its message back.
    const retry = expectOk(
      await member.client.request('message:send', { roomId: room.id, clientMsgId, body: 'first' }),
    );
    expect(retry.message.body).toBe('first');
    for (const exempt of [owner, mod]) {
      expectOk(await exempt.client.sendMessage(room.id, 'one'));
      expectOk(await exempt.client.sendMessage(room.id, 'two'));
    }
    expectOk(await owner.client.request('room:update', { roomId: room.id, slowModeSeconds: 0 }));
    expectOk(await member.client.sendMessage(room.id, 'free again'));
  });
});
