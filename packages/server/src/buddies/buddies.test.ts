import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerEventPayloads } from '@parley/protocol';
import {
  connectUser,
  databaseKinds,
  eventually,
  expectOk,
  startTestServer,
  type TestServer,
  type TestUser,
} from '../test-support/index.js';

const kinds = await databaseKinds();
const GRACE_MS = 300;

type Presence = ServerEventPayloads['presence'];

describe.each(kinds)('buddies and presence on %s', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ kind, env: { PRESENCE_GRACE_MS: String(GRACE_MS) } });
  });
  afterAll(async () => {
    await server.close();
  });

  function record<E extends 'presence' | 'buddy:request' | 'buddy:update'>(who: TestUser, event: E) {
    const seen: ServerEventPayloads[E][] = [];
    who.client.on(event, (p) => seen.push(p));
    return seen;
  }

  async function buddies(a: TestUser, b: TestUser) {
    expectOk(await a.client.request('buddy:request', { username: b.user.username }));
    expectOk(await b.client.request('buddy:respond', { username: a.user.username, accept: true }));
  }

  it('requests, accepts and lists, with both sides told live', async () => {
    const alice = await connectUser(server);
    const bob = await connectUser(server);
    const bobRequests = record(bob, 'buddy:request');
    const aliceUpdates = record(alice, 'buddy:update');
    expectOk(await alice.client.request('buddy:request', { username: bob.user.username }));
    expectOk(await alice.client.request('buddy:request', { username: bob.user.username.toUpperCase() }));
    await eventually(() => (bobRequests.length > 0 ? true : undefined));
    await new Promise((r) => setTimeout(r, 100));
    expect(bobRequests).toEqual([{ from: alice.user }]);
    expect(expectOk(await alice.client.request('buddy:list', {}))).toMatchObject({
      buddies: [],
      incoming: [],
      outgoing: [alice.user.id === bob.user.id ? {} : bob.user],
    });
    expect(expectOk(await bob.client.request('buddy:list', {})).incoming).toEqual([alice.user]);

    expectOk(await bob.client.request('buddy:respond', { username: alice.user.username, accept: true }));
    await eventually(() => (aliceUpdates.length > 0 ? true : undefined));
    expect(aliceUpdates).toEqual([{ user: bob.user, relation: 'buddy' }]);
    const list = expectOk(await alice.client.request('buddy:list', {}));
    expect(list).toEqual({
      ok: true,
      buddies: [{ user: bob.user, status: 'online' }],
      incoming: [],
      outgoing: [],
      blocked: [],
    });
    alice.client.close();
    bob.client.close();
  });

  it('declines and removes, telling the other side, and answers unknown users with NOT_FOUND', async () => {
    const alice = await connectUser(server);
    const bob = await connectUser(server);
    const aliceUpdates = record(alice, 'buddy:update');
    expect(await alice.client.request('buddy:request', { username: 'no_such_user_9' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expect(await alice.client.request('buddy:request', { username: alice.user.username })).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST' },
    });
    expect(await bob.client.request('buddy:respond', { username: alice.user.username, accept: true })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expectOk(await alice.client.request('buddy:request', { username: bob.user.username }));
    expectOk(await bob.client.request('buddy:respond', { username: alice.user.username, accept: false }));
    await eventually(() => (aliceUpdates.length > 0 ? true : undefined));
    expect(aliceUpdates).toEqual([{ user: bob.user, relation: 'declined' }]);
    expect(expectOk(await alice.client.request('buddy:list', {})).outgoing).toEqual([]);

    await buddies(alice, bob);
    const bobUpdates = record(bob, 'buddy:update');
    expectOk(await alice.client.request('buddy:remove', { username: bob.user.username }));
    await eventually(() => (bobUpdates.length > 0 ? true : undefined));
    expect(bobUpdates).toEqual([{ user: alice.user, relation: 'removed' }]);
    expect(expectOk(await bob.client.request('buddy:list', {})).buddies).toEqual([]);
    alice.client.close();
    bob.client.close();
  });

  it('accepts by asking back: two crossing requests make buddies', async () => {
    const alice = await connectUser(server);
    const bob = await connectUser(server);
    expectOk(await alice.client.request('buddy:request', { username: bob.user.username }));
    expectOk(await bob.client.request('buddy:request', { username: alice.user.username }));
    expect(expectOk(await alice.client.request('buddy:list', {})).buddies.map((b) => b.user)).toEqual([bob.user]);
    alice.client.close();
    bob.client.close();
  });

  it('shows presence to buddies only: two tabs, away, offline after the grace period, last seen', async () => {
    const alice = await connectUser(server);
    const bob = await connectUser(server);
    const stranger = await connectUser(server);
    const strangerSaw = record(stranger, 'presence');
    const aliceSaw: Presence[] = record(alice, 'presence');
    await buddies(alice, bob);
    await eventually(() => (aliceSaw.length > 0 ? true : undefined));
    expect(aliceSaw).toEqual([{ user: bob.user, status: 'online' }]);

    const bobSecondTab = await connectUser(server, { token: bob.token });
    expectOk(await bob.client.request('presence:set', { status: 'away' }));
    await new Promise((r) => setTimeout(r, 100));
    expect(aliceSaw).toHaveLength(1);
    expectOk(await bobSecondTab.client.request('presence:set', { status: 'away' }));
    await eventually(() => (aliceSaw.length === 2 ? true : undefined));
    expect(aliceSaw[1]).toEqual({ user: bob.user, status: 'away' });
    expectOk(await bob.client.request('presence:set', { status: 'online' }));
    await eventually(() => (aliceSaw.length === 3 ? true : undefined));

    // Closing the tab that was present leaves only the away one: away, not offline.
    bob.client.close();
    await eventually(() => (aliceSaw.length === 4 ? true : undefined));
    await new Promise((r) => setTimeout(r, GRACE_MS + 200));
    expect(aliceSaw.slice(3)).toEqual([{ user: bob.user, status: 'away' }]);
    bobSecondTab.client.close();
    await new Promise((r) => setTimeout(r, GRACE_MS / 3));
    expect(aliceSaw).toHaveLength(4); // within the grace period
    await eventually(() => (aliceSaw.length === 5 ? true : undefined), 3000);
    expect(aliceSaw[4]).toMatchObject({ user: bob.user, status: 'offline', lastSeenAt: expect.any(String) as string });
    const list = expectOk(await alice.client.request('buddy:list', {}));
    expect(list.buddies[0]).toMatchObject({
      user: bob.user,
      status: 'offline',
      lastSeenAt: expect.any(String) as string,
    });

    const bobBack = await connectUser(server, { token: bob.token });
    await eventually(() => (aliceSaw.length === 6 ? true : undefined));
    expect(aliceSaw[5]).toEqual({ user: bob.user, status: 'online' });
    await new Promise((r) => setTimeout(r, 100));
    expect(strangerSaw).toEqual([]);
    for (const c of [alice, stranger, bobBack]) c.client.close();
  });
});
