import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import type { RedisClient } from '../realtime/redis-adapter.js';
import { TEST_REDIS_URL, requireServices, uniqueName } from '../test-support/index.js';
import { createRedisPresence } from './presence.redis-tracker.js';
import { createMemoryPresence, type PresenceChange, type PresenceTracker } from './presence.tracker.js';

const services = await requireServices('redis');
const GRACE_MS = 200;
const clients: RedisClient[] = [];
afterAll(async () => {
  for (const c of clients) await c.quit();
});

type Open = () => Promise<PresenceTracker>;
const implementations: [string, Open][] = [
  ['in-process', () => Promise.resolve(createMemoryPresence({ graceMs: GRACE_MS }))],
];
if (services.redis) {
  implementations.push([
    'redis',
    async () => {
      const client: RedisClient = createClient({ url: TEST_REDIS_URL });
      await client.connect();
      clients.push(client);
      return createRedisPresence(client, uniqueName('presence'), { graceMs: GRACE_MS, instanceTtlMs: 1000 });
    },
  ]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(implementations)('the %s presence tracker', (_name, open) => {
  async function watched() {
    const tracker = await open();
    const changes: PresenceChange[] = [];
    tracker.onChange((c) => changes.push(c));
    return { tracker, changes };
  }

  it('is online while any connection is open, and offline only after the grace period', async () => {
    const { tracker, changes } = await watched();
    await tracker.connect('u1', 'tab-a');
    await tracker.connect('u1', 'tab-b');
    expect(changes).toEqual([{ userId: 'u1', status: 'online' }]);
    await tracker.disconnect('u1', 'tab-a');
    await sleep(GRACE_MS + 150);
    expect(changes).toHaveLength(1);
    await tracker.disconnect('u1', 'tab-b');
    await sleep(GRACE_MS / 4);
    expect(changes).toHaveLength(1);
    expect((await tracker.statusOf(['u1'])).get('u1')).toBe('online');
    await sleep(GRACE_MS + 150);
    expect(changes).toEqual([
      { userId: 'u1', status: 'online' },
      { userId: 'u1', status: 'offline' },
    ]);
    expect((await tracker.statusOf(['u1', 'nobody'])).get('u1')).toBe('offline');
    await tracker.close();
  });

  it('coalesces a reload within the grace period into no update at all', async () => {
    const { tracker, changes } = await watched();
    await tracker.connect('u2', 'tab-a');
    for (let i = 0; i < 5; i += 1) {
      await tracker.disconnect('u2', `tab-${i === 0 ? 'a' : i}`);
      await tracker.connect('u2', `tab-${i + 1}`);
    }
    await sleep(GRACE_MS + 150);
    expect(changes).toEqual([{ userId: 'u2', status: 'online' }]);
    await tracker.close();
  });

  it('is away only when every open connection says so', async () => {
    const { tracker, changes } = await watched();
    await tracker.connect('u3', 'a');
    await tracker.connect('u3', 'b');
    await tracker.setAway('u3', 'a', true);
    expect(changes.map((c) => c.status)).toEqual(['online']);
    await tracker.setAway('u3', 'b', true);
    expect(changes.map((c) => c.status)).toEqual(['online', 'away']);
    expect((await tracker.statusOf(['u3'])).get('u3')).toBe('away');
    await tracker.setAway('u3', 'a', false);
    expect(changes.map((c) => c.status)).toEqual(['online', 'away', 'online']);
    await tracker.close();
  });

  it('announces offline at shutdown every user it showed, still connected or within the grace period', async () => {
    const { tracker, changes } = await watched();
    await tracker.connect('u5', 'a');
    await tracker.connect('u6', 'b');
    await tracker.setAway('u6', 'b', true);
    await tracker.connect('u7', 'c');
    await tracker.disconnect('u7', 'c');
    await tracker.close();
    expect(changes.filter((c) => c.status === 'offline').sort((x, y) => x.userId.localeCompare(y.userId))).toEqual([
      { userId: 'u5', status: 'offline' },
      { userId: 'u6', status: 'offline' },
      { userId: 'u7', status: 'offline' },
    ]);
    expect([...(await tracker.statusOf(['u5', 'u6', 'u7'])).values()]).toEqual(['offline', 'offline', 'offline']);
    await sleep(GRACE_MS + 100);
    expect(changes).toHaveLength(7); // three online, one away, three offline: nothing after close
  });
});

describe.runIf(services.redis)('redis presence across instances', () => {
  it('keeps a user online while another instance holds a connection, and takes a dead instance’s users offline', async () => {
    const prefix = uniqueName('presence');
    const make = async () => {
      const client: RedisClient = createClient({ url: TEST_REDIS_URL });
      await client.connect();
      return { client, tracker: createRedisPresence(client, prefix, { graceMs: GRACE_MS, instanceTtlMs: 600 }) };
    };
    const { client: firstClient, tracker: first } = await make();
    const { client: secondClient, tracker: second } = await make();
    clients.push(firstClient);
    const changes: PresenceChange[] = [];
    first.onChange((c) => changes.push(c));
    second.onChange((c) => changes.push(c));
    await first.connect('u4', 'a');
    await second.connect('u4', 'b');
    await first.disconnect('u4', 'a');
    await sleep(GRACE_MS + 150);
    expect(changes).toEqual([{ userId: 'u4', status: 'online' }]);
    // The second instance dies without a word: its link to Redis is cut, its heartbeat stops.
    secondClient.destroy();
    const diedAt = Date.now();
    while (changes.length < 2 && Date.now() - diedAt < 5000) await sleep(50);
    expect(changes).toEqual([
      { userId: 'u4', status: 'online' },
      { userId: 'u4', status: 'offline' },
    ]);
    expect(Date.now() - diedAt).toBeLessThan(600 + 400 + 1000);
    await first.close();
  });
});
