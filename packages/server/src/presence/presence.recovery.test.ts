import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import type { RedisClient } from '../realtime/redis-adapter.js';
import { TEST_REDIS_URL, eventually, requireServices, uniqueName } from '../test-support/index.js';
import { startOwnRedis, type OwnRedis } from '../test-support/own-redis.js';
import { createRedisPresence } from './presence.redis-tracker.js';
import type { PresenceChange, PresenceTracker } from './presence.tracker.js';

const services = await requireServices('redis');
const GRACE_MS = 200;
const INSTANCE_TTL_MS = 600;
const cleanups: (() => Promise<unknown> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function openTracker(url: string, prefix: string) {
  const client: RedisClient = createClient({ url });
  client.on('error', () => undefined);
  await client.connect();
  const warnings: unknown[] = [];
  const log = { warn: (_fields: unknown, message?: string) => void warnings.push(message) };
  const tracker: PresenceTracker = createRedisPresence(
    client,
    prefix,
    { graceMs: GRACE_MS, instanceTtlMs: INSTANCE_TTL_MS },
    log,
  );
  const changes: PresenceChange[] = [];
  tracker.onChange((c) => changes.push(c));
  cleanups.push(() => client.destroy());
  return { client, tracker, changes, warnings };
}

describe.runIf(services.redis)('redis presence after a Redis restart', () => {
  let redis: OwnRedis;
  afterAll(() => redis?.stop());

  it('re-registers every live connection of every instance and tells buddies they are online again', async () => {
    redis = await startOwnRedis();
    const prefix = uniqueName('recovery');
    const first = await openTracker(redis.url, prefix);
    const second = await openTracker(redis.url, prefix);
    await first.tracker.connect('alice', 'a1');
    await second.tracker.connect('bob', 'b1');
    await second.tracker.connect('bob', 'b2');
    await second.tracker.setAway('bob', 'b1', true);
    await second.tracker.disconnect('bob', 'b2');
    expect([...first.changes, ...second.changes]).toEqual([
      { userId: 'alice', status: 'online' },
      { userId: 'bob', status: 'online' },
      { userId: 'bob', status: 'away' },
    ]);

    await redis.stop();
    await redis.start();
    const restartedAt = Date.now();
    const statuses = await eventually(async () => {
      const seen = await first.tracker.statusOf(['alice', 'bob']).catch(() => undefined);
      return seen?.get('alice') === 'online' && seen.get('bob') === 'away' ? seen : undefined;
    }, 10_000);
    const took = Date.now() - restartedAt;
    expect(statuses.get('bob')).toBe('away');
    // Each change is announced again (Redis forgot the last one), and nothing else.
    await eventually(() => (first.changes.length === 2 && second.changes.length === 3 ? true : undefined));
    expect(first.changes.at(-1)).toEqual({ userId: 'alice', status: 'online' });
    expect(second.changes.at(-1)).toEqual({ userId: 'bob', status: 'away' });
    // The bound: the client's reconnect (≤ 2.2 s), one beat (T/3) and the re-announcement.
    expect(took).toBeLessThan(2200 + INSTANCE_TTL_MS / 3 + 1000);
    // Each instance says once why it re-announced, not once per connection or per beat.
    expect(first.warnings).toHaveLength(1);
    expect(second.warnings).toHaveLength(1);
    console.info(`presence right again ${took} ms after Redis came back`);

    // The re-registered connections are real: closing them takes the users offline.
    await first.tracker.disconnect('alice', 'a1');
    await eventually(() => (first.changes.at(-1)?.status === 'offline' ? true : undefined));
    expect(first.changes.at(-1)).toEqual({ userId: 'alice', status: 'offline' });
  });

  it('announces offline a user whose last connection closed while Redis was down', async () => {
    const prefix = uniqueName('recovery');
    const first = await openTracker(redis.url, prefix);
    await first.tracker.connect('carol', 'c1');
    await redis.stop();
    // The client cannot write it now; the instance remembers it owes an offline.
    void first.tracker.disconnect('carol', 'c1');
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS + 100));
    await redis.start();
    await eventually(() => (first.changes.at(-1)?.status === 'offline' ? true : undefined), 10_000);
    expect(first.changes).toEqual([
      { userId: 'carol', status: 'online' },
      { userId: 'carol', status: 'offline' },
    ]);
    expect((await first.tracker.statusOf(['carol'])).get('carol')).toBe('offline');
  });
});

describe.runIf(services.redis)('redis presence at a graceful shutdown', () => {
  it('announces offline at once the users held nowhere else, and leaves no key of its own', async () => {
    const prefix = uniqueName('shutdown');
    const leaving = await openTracker(TEST_REDIS_URL, prefix);
    const staying = await openTracker(TEST_REDIS_URL, prefix);
    await leaving.tracker.connect('dave', 'd1');
    await staying.tracker.connect('dave', 'd2');
    await leaving.tracker.connect('erin', 'e1');
    await leaving.tracker.connect('frank', 'f1');
    await leaving.tracker.disconnect('frank', 'f1'); // within the grace period at shutdown

    await leaving.tracker.close();
    expect(leaving.changes.filter((c) => c.status === 'offline')).toEqual(
      expect.arrayContaining([
        { userId: 'erin', status: 'offline' },
        { userId: 'frank', status: 'offline' },
      ]),
    );
    expect([...leaving.changes, ...staying.changes].filter((c) => c.userId === 'dave')).toEqual([
      { userId: 'dave', status: 'online' },
    ]);
    const statuses = await staying.tracker.statusOf(['dave', 'erin', 'frank']);
    expect(Object.fromEntries(statuses)).toEqual({ dave: 'online', erin: 'offline', frank: 'offline' });
    const keys = await staying.client.keys(`${prefix}:*`);
    expect(keys.filter((k) => k.includes(':conns:') || k.includes(':alive:'))).toHaveLength(2);
    expect(await staying.client.sCard(`${prefix}:presence:instances`)).toBe(1);
    await staying.tracker.close();
    expect(await staying.client.keys(`${prefix}:*`)).toEqual([]);
  });

  it('gives every presence key a TTL of at most three instance TTLs, renewed while its owner lives', async () => {
    const prefix = uniqueName('ttl');
    const { client, tracker } = await openTracker(TEST_REDIS_URL, prefix);
    await tracker.connect('gina', 'g1');
    await tracker.setAway('gina', 'g1', true);
    await new Promise((resolve) => setTimeout(resolve, 4 * INSTANCE_TTL_MS)); // past every TTL, unless renewed
    const keys = await client.keys(`${prefix}:*`);
    expect(keys).toHaveLength(5); // instances, alive, conns, gina's connections and gina's status
    for (const k of keys) {
      const ttl = await client.pTTL(k);
      expect(ttl, k).toBeGreaterThan(0);
      expect(ttl, k).toBeLessThanOrEqual(3 * INSTANCE_TTL_MS);
    }
    await tracker.close();
  });
});
