import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message, RoomMember } from '@parley/protocol';
import {
  TEST_REDIS_URL,
  connectUser,
  eventually,
  expectOk,
  requireServices,
  startTestServer,
  uniqueName,
  type TestServer,
} from '../test-support/index.js';

const services = await requireServices('postgres', 'redis');

describe.runIf(services.postgres && services.redis)('moderation across two instances (PostgreSQL, Redis)', () => {
  let first: TestServer;
  let second: TestServer;
  beforeAll(async () => {
    const env = { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: uniqueName('test') };
    first = await startTestServer({ kind: 'postgres', env });
    second = await startTestServer({ shareDataWith: first, env });
  });
  afterAll(async () => {
    await second.app.close();
    await first.close();
  });

  it('a kick on one instance cuts the user’s connections on the other off the room at once', async () => {
    const owner = await connectUser(first);
    const bobHere = await connectUser(first);
    const bobThere = await connectUser(second, { token: bobHere.token });
    const { room } = expectOk(await owner.client.request('room:create', { name: uniqueName('k') }));
    expectOk(await bobThere.client.joinRoom(room.id));
    const told: RoomMember[] = [];
    bobThere.client.on('room:member', (e) => told.push(e));
    const heard: Message[] = [];
    bobThere.client.on('message:new', (p) => heard.push(...p.messages));
    expectOk(await owner.client.sendMessage(room.id, 'before'));
    await eventually(() => (heard.length === 1 ? true : undefined), 10_000);

    expectOk(await owner.client.request('room:kick', { roomId: room.id, username: bobHere.user.username }));
    await eventually(() => (told.some((e) => e.change === 'kicked') ? true : undefined), 10_000);
    // The owner's own echo proves the next message left; bob's connection on the other
    // instance must not have it.
    const echo: Message[] = [];
    owner.client.on('message:new', (p) => echo.push(...p.messages));
    expectOk(await owner.client.sendMessage(room.id, 'after'));
    await eventually(() => (echo.some((m) => m.body === 'after') ? true : undefined), 10_000);
    const watcher = await connectUser(second);
    expectOk(await watcher.client.joinRoom(room.id));
    const seenThere: Message[] = [];
    watcher.client.on('message:new', (p) => seenThere.push(...p.messages));
    expectOk(await owner.client.sendMessage(room.id, 'later'));
    await eventually(() => (seenThere.some((m) => m.body === 'later') ? true : undefined), 10_000);
    expect(heard.map((m) => m.body)).toEqual(['before']);
    for (const u of [owner, bobHere, bobThere, watcher]) u.client.close();
  });

  it('a ban made on one instance holds on the other; slow mode counts across both', async () => {
    const owner = await connectUser(first);
    const carol = await connectUser(second);
    const dave = await connectUser(first);
    const daveThere = await connectUser(second, { token: dave.token });
    const { room } = expectOk(await owner.client.request('room:create', { name: uniqueName('b') }));
    expectOk(await carol.client.joinRoom(room.id));
    expectOk(await owner.client.request('room:ban', { roomId: room.id, username: carol.user.username, banned: true }));
    expect(await carol.client.request('room:join', { roomId: room.id })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });

    expectOk(await dave.client.joinRoom(room.id));
    expectOk(await owner.client.request('room:update', { roomId: room.id, slowModeSeconds: 30 }));
    expectOk(await dave.client.sendMessage(room.id, 'one here'));
    // The second instance never read this room's setting, so it reads it now; the count is in Redis.
    const refused = await daveThere.client.request('message:send', {
      roomId: room.id,
      clientMsgId: randomUUID(),
      body: 'one there',
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    for (const u of [owner, carol, dave, daveThere]) u.client.close();
  });

  it('an invitation made on one instance is listed on the other; a decline there reaches the invitee’s devices here', async () => {
    const owner = await connectUser(first);
    const bobHere = await connectUser(first);
    const bobThere = await connectUser(second, { token: bobHere.token });
    const declined: string[] = [];
    bobHere.client.on('room:invite:declined', (e) => declined.push(e.roomId));
    const { room } = expectOk(
      await owner.client.request('room:create', { name: uniqueName('i'), visibility: 'private' }),
    );
    expectOk(await owner.client.request('room:invite', { roomId: room.id, username: bobHere.user.username }));
    const listed = expectOk(await bobThere.client.request('room:invitations', {}));
    expect(listed.invitations.map((i) => [i.room.id, i.by.username])).toEqual([[room.id, owner.user.username]]);
    expectOk(await bobThere.client.request('room:invite:decline', { roomId: room.id }));
    await eventually(() => (declined.includes(room.id) ? true : undefined), 10_000);
    expect(expectOk(await bobHere.client.request('room:invitations', {})).invitations).toEqual([]);
    expect(await bobHere.client.request('room:join', { roomId: room.id })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    for (const u of [owner, bobHere, bobThere]) u.client.close();
  });

  it('slow mode turned on through one instance applies on another that had the room cached without it', async () => {
    const owner = await connectUser(first);
    const erin = await connectUser(second);
    const { room } = expectOk(await owner.client.request('room:create', { name: uniqueName('s') }));
    expectOk(await erin.client.joinRoom(room.id));
    // The second instance reads the room's setting (off) and keeps it cached.
    expectOk(await erin.client.sendMessage(room.id, 'before'));
    expectOk(await owner.client.request('room:update', { roomId: room.id, slowModeSeconds: 60 }));
    // Sends go on without waiting while the expired entry is read again; then the setting holds.
    await eventually(async () => {
      const answer = await erin.client.sendMessage(room.id, 'quick');
      return !answer.ok && answer.error.code === 'RATE_LIMITED' ? true : undefined;
    }, 10_000);
    for (const u of [owner, erin]) u.client.close();
  });
});
