import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '@parley/protocol';
import {
  connectUser,
  eventually,
  expectOk,
  requireServices,
  startOwnRedis,
  startTestServer,
  uniqueName,
  type OwnRedis,
  type TestServer,
  type TestUser,
} from '../test-support/index.js';

const { redis: redisAnswers } = await requireServices('redis');

const linesWith = (server: TestServer, text: string) => server.logs.filter((line) => line.includes(`"msg":"${text}"`));

function collect(user: TestUser, roomId: string): Message[] {
  const seen: Message[] = [];
  user.client.onMessages((id, messages) => {
    if (id === roomId) seen.push(...messages);
  });
  return seen;
}

describe.runIf(redisAnswers)('deliveries while Redis is down', () => {
  let redis: OwnRedis;
  let server: TestServer;
  let other: TestServer;

  beforeAll(async () => {
    redis = await startOwnRedis();
    const env = { REDIS_URL: redis.url, REDIS_PREFIX: uniqueName('outage') };
    server = await startTestServer({ env });
    other = await startTestServer({ shareDataWith: server, env });
  });
  afterAll(async () => {
    await redis.start();
    await other.close();
    await server.close();
    await redis.stop();
  });

  it('reach the clients of the same instance at once; the other instance gets them once Redis is back', async () => {
    const alice = await connectUser(server);
    const bob = await connectUser(server);
    const dave = await connectUser(other);
    const { room } = expectOk(await alice.client.request('room:create', { name: uniqueName('redis-down') }));
    expectOk(await bob.client.joinRoom(room.id));
    expectOk(await dave.client.joinRoom(room.id));
    const bobSaw = collect(bob, room.id);
    const daveSaw = collect(dave, room.id);
    expectOk(await alice.client.sendMessage(room.id, 'before'));
    await eventually(() => (bobSaw.length === 1 && daveSaw.length === 1 ? true : undefined));

    await redis.stop();
    expectOk(await alice.client.sendMessage(room.id, 'while Redis is down'));
    // Bob shares Alice's instance: nothing between them needs Redis.
    await eventually(() => (bobSaw.length === 2 ? true : undefined), 3000);
    expect(bobSaw.map((m) => m.body)).toEqual(['before', 'while Redis is down']);
    // Joining a room is local too: a newcomer on this instance hears the next message.
    const carol = await connectUser(server);
    expectOk(await carol.client.joinRoom(room.id));
    const carolSaw = collect(carol, room.id);
    expectOk(await bob.client.sendMessage(room.id, 'still talking'));
    await eventually(() => (carolSaw.length === 1 && bobSaw.length === 3 ? true : undefined), 3000);
    expect(daveSaw.map((m) => m.body)).toEqual(['before']);

    await redis.start();
    await eventually(() => (daveSaw.length === 3 ? true : undefined), 15_000);
    expect(daveSaw.map((m) => m.seq)).toEqual([1, 2, 3]);
    // One line when the outage began and one when it ended, however many reconnects between.
    await eventually(() => (linesWith(server, 'redis back').length === 1 ? true : undefined), 10_000);
    expect(linesWith(server, 'redis unavailable')).toHaveLength(1);
    expect(linesWith(server, 'redis connection error')).toEqual([]);
    for (const user of [alice, bob, carol, dave]) user.client.close();
  });

  it('answers a private message UNAVAILABLE with retryAfterMs while Redis is down, and takes it once Redis is back', async () => {
    const alice = await connectUser(server);
    const bob = await connectUser(server);
    const dm = (clientMsgId: string) =>
      alice.client.request('dm:send', { to: bob.user.username, clientMsgId, payload: 'sealed' }, { timeoutMs: 8000 });
    await redis.stop();
    try {
      // The SDK's own timeout carries no retryAfterMs: this answer is the server's.
      expect(await dm(crypto.randomUUID())).toMatchObject({
        ok: false,
        error: { code: 'UNAVAILABLE', retryAfterMs: 1000 },
      });
    } finally {
      await redis.start();
    }
    await eventually(async () => ((await dm(crypto.randomUUID())).ok ? true : undefined), 15_000);
    alice.client.close();
    bob.client.close();
  });
});
