import type { ConnectionStatus } from '@parley/sdk';
import { afterAll, describe, expect, it } from 'vitest';
import {
  TEST_REDIS_URL,
  connectUser,
  eventually,
  expectOk,
  requireServices,
  startTestServer,
  uniqueName,
} from '../test-support/index.js';
import { buddiesOnTwoInstances } from '../test-support/buddies.js';
import { startChildServer } from '../test-support/child-server.js';
import { startOwnRedis } from '../test-support/own-redis.js';

const services = await requireServices('postgres', 'redis');
const INSTANCE_TTL_MS = 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const presenceEnv = (redisUrl: string) => ({
  REDIS_URL: redisUrl,
  REDIS_PREFIX: uniqueName('faults'),
  PRESENCE_GRACE_MS: '200',
  PRESENCE_INSTANCE_TTL_MS: String(INSTANCE_TTL_MS),
});

describe.runIf(services.postgres && services.redis)('presence after a fault', () => {
  const cleanups: (() => Promise<unknown> | void)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('shows a paused instance’s users offline once swept, and online again as soon as it wakes', async () => {
    const env = presenceEnv(TEST_REDIS_URL);
    const survivor = await startTestServer({ kind: 'postgres', env });
    cleanups.push(() => survivor.close());
    const paused = await startChildServer(survivor, env);
    cleanups.push(() => void paused.process.kill('SIGKILL'));
    const { alice, bob, aliceSaw, bobInAlicesList } = await buddiesOnTwoInstances(survivor, paused.url);
    const bobWas: ConnectionStatus[] = [];
    bob.client.onStatus((status) => bobWas.push(status));

    paused.process.kill('SIGSTOP');
    await eventually(() => (aliceSaw.at(-1)?.status === 'offline' ? true : undefined), 10_000);
    expect(await bobInAlicesList()).toBe('offline');
    paused.process.kill('SIGCONT');
    const wokeAt = Date.now();
    await eventually(() => (aliceSaw.at(-1)?.status === 'online' ? true : undefined), 10_000);
    const took = Date.now() - wokeAt;
    console.info(`paused instance: presence right again ${took} ms after it woke`);
    // The bound: one beat (T/3) after waking, plus delivery slack.
    expect(took).toBeLessThan(INSTANCE_TTL_MS / 3 + 1000);
    expect(aliceSaw.at(-1)).toMatchObject({ user: bob.user, status: 'online' });
    expect(await bobInAlicesList()).toBe('online');
    // Bob kept his connection all along: what brought him back is the re-announcement.
    expect(bobWas).toEqual([]);
    expect(bob.client.connected).toBe(true);
    // It stays right: the woken instance is not swept again.
    await sleep(INSTANCE_TTL_MS * 2);
    expect(aliceSaw.at(-1)?.status).toBe('online');
    alice.client.close();
    bob.client.close();
  });

  it('announces offline at a graceful shutdown the users connected nowhere else, sooner than a sweep', async () => {
    const env = presenceEnv(TEST_REDIS_URL);
    const survivor = await startTestServer({ kind: 'postgres', env });
    cleanups.push(() => survivor.close());
    const stopping = await startChildServer(survivor, env);
    cleanups.push(() => void stopping.process.kill('SIGKILL'));
    const { alice, bob, aliceSaw, bobInAlicesList } = await buddiesOnTwoInstances(survivor, stopping.url);
    // Dave has a tab on each instance: the one that stays keeps him online.
    const dave = await connectUser(survivor);
    const davesOtherTab = await connectUser({ ...survivor, url: stopping.url }, { token: dave.token });
    expectOk(await alice.client.request('buddy:request', { username: dave.user.username }));
    expectOk(await dave.client.request('buddy:respond', { username: alice.user.username, accept: true }));

    stopping.process.kill('SIGTERM');
    const stoppedAt = Date.now();
    await eventually(() => (aliceSaw.some((p) => p.status === 'offline') ? true : undefined), 10_000);
    const took = Date.now() - stoppedAt;
    console.info(`graceful shutdown: buddies told offline ${took} ms after SIGTERM`);
    expect(took).toBeLessThan(INSTANCE_TTL_MS);
    expect(await stopping.exited).toBe(0);
    expect(aliceSaw.filter((p) => p.status === 'offline')).toEqual([
      expect.objectContaining({ user: bob.user, status: 'offline' }),
    ]);
    expect(await bobInAlicesList()).toBe('offline');
    const { buddies } = expectOk(await alice.client.request('buddy:list', {}));
    expect(buddies.find((b) => b.user.id === dave.user.id)?.status).toBe('online');
    for (const c of [alice, bob, dave, davesOtherTab]) c.client.close();
  });

  it('re-announces every live connection after a Redis restart, so buddies see them online again', async () => {
    const redis = await startOwnRedis();
    cleanups.push(() => redis.stop());
    const env = presenceEnv(redis.url);
    const first = await startTestServer({ kind: 'postgres', env });
    cleanups.push(() => first.close());
    const second = await startTestServer({ shareDataWith: first, env });
    cleanups.push(() => second.close());
    const { alice, bob, aliceSaw, bobInAlicesList } = await buddiesOnTwoInstances(first, second.url);
    const seenBefore = aliceSaw.length;

    await redis.stop();
    await redis.start();
    const restartedAt = Date.now();
    await eventually(async () => {
      const told = aliceSaw.slice(seenBefore).some((p) => p.user.id === bob.user.id && p.status === 'online');
      return told && (await bobInAlicesList()) === 'online' ? true : undefined;
    }, 15_000);
    const took = Date.now() - restartedAt;
    console.info(`Redis restart: presence right again ${took} ms after Redis came back`);
    // The bound: the Redis client's reconnect (≤ 2.2 s), one beat (T/3), plus delivery slack.
    expect(took).toBeLessThan(2200 + INSTANCE_TTL_MS / 3 + 1500);
    expect(aliceSaw.slice(seenBefore).every((p) => p.status === 'online')).toBe(true);
    alice.client.close();
    bob.client.close();
  });
});
