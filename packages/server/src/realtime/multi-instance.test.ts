import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DmNew, Message } from '@parley/protocol';
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

describe.runIf(services.postgres && services.redis)('two instances on PostgreSQL and Redis', () => {
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

  it('fans room messages and member events out across instances, in order', async () => {
    const alice = await connectUser(first);
    const bob = await connectUser(second, { transport: 'polling' });
    const { room } = expectOk(await alice.client.request('room:create', { name: uniqueName('x') }));
    const members: unknown[] = [];
    alice.client.on('room:member', (e) => members.push(e));
    expectOk(await bob.client.joinRoom(room.id));
    await eventually(() => (members.length === 1 ? true : undefined));

    const seenByBob: Message[] = [];
    bob.client.onMessages((_r, m) => seenByBob.push(...m));
    for (let i = 1; i <= 10; i += 1) expectOk(await alice.client.sendMessage(room.id, `hop ${i}`));
    await eventually(() => (seenByBob.length === 10 ? true : undefined));
    expect(seenByBob.map((m) => m.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    alice.client.close();
    bob.client.close();
  });

  it('subscribes a user’s connections on every instance when they join, and disconnects them all on logout', async () => {
    const alice = await connectUser(first);
    const bobHere = await connectUser(first);
    const bobThere = await connectUser(second, { token: bobHere.token });
    const { room } = expectOk(await alice.client.request('room:create', { name: uniqueName('y') }));
    expectOk(await bobHere.client.request('room:join', { roomId: room.id }));
    const got: Message[] = [];
    bobThere.client.onMessages((_r, m) => got.push(...m));
    await new Promise((r) => setTimeout(r, 100));
    expectOk(await alice.client.sendMessage(room.id, 'reaches both of bob'));
    await eventually(() => (got.length === 1 ? true : undefined));

    const statuses: string[] = [];
    bobThere.client.onStatus((s) => statuses.push(s));
    await fetch(`${first.url}/api/auth/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bobHere.token}` },
    });
    await eventually(() => (statuses.includes('closed') ? true : undefined));
    alice.client.close();
    bobHere.client.close();
  });

  it('carries a private message and its delivery report across instances', async () => {
    const alice = await connectUser(first);
    const bob = await connectUser(second);
    bob.client.close();
    const sent = await alice.client.request('dm:send', {
      to: bob.user.username,
      clientMsgId: crypto.randomUUID(),
      payload: 'across',
    });
    expect(sent).toMatchObject({ ok: true, status: 'queued' });
    const statuses: unknown[] = [];
    alice.client.on('dm:status', (s) => statuses.push(s));
    // Bob comes back on the other instance and finds it waiting.
    const bobBack = await connectUser(second, { token: bob.token });
    const got: DmNew[] = [];
    bobBack.client.on('dm:new', (m) => got.push(m));
    await eventually(() => (got.length === 1 ? true : undefined));
    expect(got[0]).toMatchObject({ from: alice.user, payload: 'across' });
    expectOk(await bobBack.client.request('dm:ack', { ids: [got[0]!.id] }));
    await eventually(() => (statuses.length === 1 ? true : undefined));
    expect(statuses).toEqual([{ id: got[0]!.id, status: 'delivered' }]);
    alice.client.close();
    bobBack.client.close();
  });

  it('reports Redis in /readyz', async () => {
    const ready = await fetch(`${second.url}/readyz`);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'ok' } });
  });
});
