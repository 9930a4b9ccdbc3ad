import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadUpdate, TypingEvent } from '@parley/protocol';
import { startInstancePair } from '../test-support/abuse.js';
import {
  connectUser,
  eventually,
  expectOk,
  requireServices,
  startTestServer,
  uniqueName,
  type TestServer,
} from '../test-support/index.js';

describe('typing', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('tells the other members of a room and a buddy, and refuses strangers, non-members and floods', async () => {
    const alice = await connectUser(server);
    const bob = await connectUser(server);
    const mallory = await connectUser(server);
    const { room } = expectOk(await alice.client.request('room:create', { name: uniqueName('typing') }));
    expectOk(await bob.client.joinRoom(room.id));
    const atBob: TypingEvent[] = [];
    bob.client.on('typing', (t) => atBob.push(t));
    const atMallory: TypingEvent[] = [];
    mallory.client.on('typing', (t) => atMallory.push(t));

    expectOk(await alice.client.request('typing', { roomId: room.id }));
    await eventually(() => (atBob.length === 1 ? true : undefined));
    expect(atBob[0]).toEqual({ roomId: room.id, from: alice.user });
    // Too fast: one a second per conversation.
    expect(await alice.client.request('typing', { roomId: room.id })).toMatchObject({
      ok: false,
      error: { code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) as number },
    });

    expect(await mallory.client.request('typing', { roomId: room.id })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect(await alice.client.request('typing', { to: mallory.user.username })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect(await alice.client.request('typing', { to: 'nobody_here' })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    for (const bad of [{}, { roomId: room.id, to: bob.user.username }, { to: 'a b' }, { roomId: 5 }]) {
      expect(await alice.client.request('typing', bad as never)).toMatchObject({
        ok: false,
        error: { code: 'BAD_REQUEST' },
      });
    }

    expectOk(await alice.client.request('buddy:request', { username: bob.user.username }));
    expectOk(await bob.client.request('buddy:respond', { username: alice.user.username, accept: true }));
    expectOk(await alice.client.request('typing', { to: bob.user.username }));
    await eventually(() => (atBob.length === 2 ? true : undefined));
    expect(atBob[1]).toEqual({ from: alice.user });
    expect(atMallory).toEqual([]);
    for (const c of [alice, bob, mallory]) c.client.close();
  });
});

const { postgres, redis } = await requireServices('postgres', 'redis');

describe.runIf(postgres && redis)('across instances (PostgreSQL and Redis)', () => {
  it('tells read:update to the same user on another instance at once, and typing to members there', async () => {
    const pair = await startInstancePair({});
    try {
      const alice = await connectUser(pair.first);
      const aliceThere = await connectUser(pair.second, { token: alice.token, username: alice.user.username });
      const bob = await connectUser(pair.second);
      const { room } = expectOk(await alice.client.request('room:create', { name: uniqueName('two') }));
      expectOk(await bob.client.joinRoom(room.id));
      expectOk(await bob.client.sendMessage(room.id, 'one'));
      const reads: ReadUpdate[] = [];
      aliceThere.client.on('read:update', (u) => reads.push(u));
      const typing: TypingEvent[] = [];
      bob.client.on('typing', (t) => typing.push(t));
      expectOk(await alice.client.request('read:mark', { roomId: room.id, seq: 1 }));
      expectOk(await alice.client.request('typing', { roomId: room.id }));
      await eventually(() => (reads.length === 1 && typing.length === 1 ? true : undefined));
      expect(reads[0]).toEqual({ roomId: room.id, user: alice.user, seq: 1 });
      expect(typing[0]).toEqual({ roomId: room.id, from: alice.user });
      for (const c of [alice, aliceThere, bob]) c.client.close();
    } finally {
      await pair.close();
    }
  });
});
