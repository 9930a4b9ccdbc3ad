import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoomInvited } from '@parley/protocol';
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

/**
 * Pending invitations outlive the connection that was told (`room:invited`): a reload, another
 * device, or an invitee who was offline lists them with `room:invitations` and may decline.
 */
describe.each(kinds)('pending room invitations on %s', (kind) => {
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

  /** The same account on a second connection: a reload or another device. */
  async function again(u: TestUser): Promise<TestUser> {
    const other = await connectUser(server, { username: u.user.username, token: u.token });
    open.push(other);
    return other;
  }

  const createRoom = async (owner: TestUser, visibility: 'public' | 'private') =>
    expectOk(await owner.client.request('room:create', { name: uniqueName('inv'), visibility })).room;

  it('lists an invitation made while the invitee was away, with the room and who invited, oldest first', async () => {
    const [alice, bob] = await Promise.all([user(), user()]);
    bob.client.close(); // offline when invited
    const first = await createRoom(alice, 'private');
    const second = await createRoom(alice, 'public');
    expectOk(await alice.client.request('room:invite', { roomId: first.id, username: bob.user.username }));
    expectOk(await alice.client.request('room:invite', { roomId: second.id, username: bob.user.username }));

    const back = await again(bob);
    const { invitations } = expectOk(await back.client.request('room:invitations', {}));
    expect(invitations.map((i) => [i.room.id, i.room.name, i.room.visibility, i.by.username])).toEqual([
      [first.id, first.name, 'private', alice.user.username],
      [second.id, second.name, 'public', alice.user.username],
    ]);
    for (const i of invitations) expect(Number.isNaN(Date.parse(i.invitedAt))).toBe(false);
    // Nobody else sees them.
    expect(expectOk(await alice.client.request('room:invitations', {})).invitations).toEqual([]);
  });

  it('drops an invitation once the invitee joins; a private one comes back as pending after they leave', async () => {
    const [alice, bob] = await Promise.all([user(), user()]);
    const priv = await createRoom(alice, 'private');
    const pub = await createRoom(alice, 'public');
    for (const room of [priv, pub]) {
      expectOk(await alice.client.request('room:invite', { roomId: room.id, username: bob.user.username }));
      expectOk(await bob.client.joinRoom(room.id));
    }
    expect(expectOk(await bob.client.request('room:invitations', {})).invitations).toEqual([]);
    // The private room's invitation is what lets a member who left come back: it is pending again.
    for (const room of [priv, pub]) expectOk(await bob.client.leaveRoom(room.id));
    const { invitations } = expectOk(await bob.client.request('room:invitations', {}));
    expect(invitations.map((i) => i.room.id)).toEqual([priv.id]);
  });

  it('declines: gone from the list, the other devices are told, and a private room is closed again', async () => {
    const [alice, bob] = await Promise.all([user(), user()]);
    const bobElsewhere = await again(bob);
    const told: string[] = [];
    bobElsewhere.client.on('room:invite:declined', (e) => told.push(e.roomId));
    const invited: RoomInvited[] = [];
    bobElsewhere.client.on('room:invited', (e) => invited.push(e));
    const room = await createRoom(alice, 'private');
    expectOk(await alice.client.request('room:invite', { roomId: room.id, username: bob.user.username }));
    await eventually(() => (invited.length === 1 ? true : undefined), 10_000);

    expectOk(await bob.client.request('room:invite:decline', { roomId: room.id }));
    await eventually(() => (told.includes(room.id) ? true : undefined), 10_000);
    expect(expectOk(await bobElsewhere.client.request('room:invitations', {})).invitations).toEqual([]);
    expect(await bob.client.request('room:join', { roomId: room.id })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    // Invited again, Bob may join.
    expectOk(await alice.client.request('room:invite', { roomId: room.id, username: bob.user.username }));
    expectOk(await bob.client.joinRoom(room.id));
  });

  it('refuses to decline what is not pending: someone else’s, a member’s, twice, a missing room, malformed', async () => {
    const [alice, bob, carol] = await Promise.all([user(), user(), user()]);
    const room = await createRoom(alice, 'private');
    expectOk(await alice.client.request('room:invite', { roomId: room.id, username: bob.user.username }));
    // Carol was not invited: nothing to decline (and nothing to learn about the room).
    expect(await carol.client.request('room:invite:decline', { roomId: room.id })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    // The owner is a member, not an invitee.
    expect(await alice.client.request('room:invite:decline', { roomId: room.id })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expect(await bob.client.request('room:invite:decline', { roomId: 'no-such-room' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    for (const bad of [{}, { roomId: '' }, { roomId: 7 }, 'x', null]) {
      expect(await bob.client.request('room:invite:decline', bad as never)).toMatchObject({
        ok: false,
        error: { code: 'BAD_REQUEST' },
      });
    }
    // An over-long id is refused for its size, before any lookup.
    expect(await bob.client.request('room:invite:decline', { roomId: 'r'.repeat(65) })).toMatchObject({
      ok: false,
      error: { code: 'TOO_LARGE' },
    });
    expect(await bob.client.request('room:invitations', 'x' as never)).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST' },
    });
    // None of that spent Bob's invitation; his own decline works once.
    expect(expectOk(await bob.client.request('room:invitations', {})).invitations).toHaveLength(1);
    expectOk(await bob.client.request('room:invite:decline', { roomId: room.id }));
    expect(await bob.client.request('room:invite:decline', { roomId: room.id })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
  });

  it('a ban takes a pending invitation away', async () => {
    const [alice, bob] = await Promise.all([user(), user()]);
    const room = await createRoom(alice, 'private');
    expectOk(await alice.client.request('room:invite', { roomId: room.id, username: bob.user.username }));
    expectOk(await alice.client.request('room:ban', { roomId: room.id, username: bob.user.username, banned: true }));
    expect(expectOk(await bob.client.request('room:invitations', {})).invitations).toEqual([]);
  });
});

describe('pending room invitations under the event limits', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      env: { RATE_LIMIT_PER_SEC: '5', RATE_LIMIT_BURST: '10', MAX_EVENT_BYTES: '2048' },
    });
  });
  afterAll(() => server.close());

  it('answers TOO_LARGE to an oversized request and RATE_LIMITED to a flood', async () => {
    const bob = await connectUser(server);
    // Past MAX_EVENT_BYTES (2048) but under the transport's own cut-off, as handle.test.ts does.
    const big = await bob.client.request('room:invite:decline', { roomId: 'x', padding: 'é'.repeat(1500) } as never);
    expect(big).toMatchObject({ ok: false, error: { code: 'TOO_LARGE' } });
    // A full budget first (the connection's own events spent some of it).
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const answers = await Promise.all(Array.from({ length: 25 }, () => bob.client.request('room:invitations', {})));
    expect(answers.some((a) => a.ok)).toBe(true);
    expect(answers.filter((a) => !a.ok)[0]).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    bob.client.close();
  });
});
