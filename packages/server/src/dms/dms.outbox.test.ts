import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, describe, expect, it } from 'vitest';
import type { RedisClient } from '../realtime/redis-adapter.js';
import { TEST_REDIS_URL, eventually, requireServices, uniqueName } from '../test-support/index.js';
import { createMemoryOutbox, type DmOutbox, type Expired, type OutboxEntry } from './dms.outbox.js';
import { createRedisOutbox } from './dms.redis-outbox.js';

const services = await requireServices('redis');
const redisClients: RedisClient[] = [];
afterAll(async () => {
  for (const c of redisClients) await c.quit();
});

const implementations: [string, () => Promise<DmOutbox>][] = [
  ['in-process', () => Promise.resolve(createMemoryOutbox())],
];
if (services.redis) {
  implementations.push([
    'redis',
    async () => {
      const client = createClient({ url: TEST_REDIS_URL });
      await client.connect();
      redisClients.push(client);
      return createRedisOutbox(client, uniqueName('outbox'));
    },
  ]);
}

function entry(overrides: Partial<OutboxEntry> = {}): OutboxEntry {
  const now = Date.now();
  return {
    id: randomUUID(),
    fromId: 'alice-id',
    fromUsername: 'alice',
    toId: 'bob-id',
    clientMsgId: randomUUID(),
    payload: 'ciphertext',
    sentAt: now,
    expiresAt: now + 60_000,
    ...overrides,
  };
}

describe.each(implementations)('the %s outbox', (_name, open) => {
  it('holds a message for its recipient until acknowledged, and delivers it once', async () => {
    const outbox = await open();
    const dm = entry();
    expect(await outbox.put(dm, 10)).toEqual({ state: 'new', entry: dm });
    expect(await outbox.pendingFor('bob-id')).toEqual([dm]);
    expect(await outbox.countFor('bob-id')).toBe(1);
    expect(await outbox.pendingFor('alice-id')).toEqual([]);
    expect(await outbox.ack('mallory-id', [dm.id])).toEqual([]);
    const [first, second] = await Promise.all([outbox.ack('bob-id', [dm.id]), outbox.ack('bob-id', [dm.id])]);
    expect([...(first ?? []), ...(second ?? [])]).toEqual([{ id: dm.id, fromId: 'alice-id' }]);
    expect(await outbox.pendingFor('bob-id')).toEqual([]);
    await outbox.close();
  });

  it('answers a retried clientMsgId with the held id and its state, never a second copy', async () => {
    const outbox = await open();
    const dm = entry();
    await outbox.put(dm, 10);
    expect(await outbox.put({ ...dm, id: randomUUID() }, 10)).toEqual({ state: 'queued', id: dm.id });
    await outbox.ack('bob-id', [dm.id]);
    expect(await outbox.put({ ...dm, id: randomUUID() }, 10)).toEqual({ state: 'delivered', id: dm.id });
    expect(await outbox.pendingFor('bob-id')).toEqual([]);
    await outbox.close();
  });

  it('refuses a message past the per-recipient limit', async () => {
    const outbox = await open();
    await outbox.put(entry(), 2);
    await outbox.put(entry(), 2);
    expect(await outbox.put(entry(), 2)).toEqual({ state: 'full' });
    expect(await outbox.put(entry({ toId: 'carol-id' }), 2)).toMatchObject({ state: 'new' });
    await outbox.close();
  });

  it('reports an undelivered message once when its TTL runs out, and forgets it', async () => {
    const outbox = await open();
    const expired: Expired[] = [];
    outbox.onExpired((e) => expired.push(e));
    const short = entry({ expiresAt: Date.now() + 300 });
    const acked = entry({ expiresAt: Date.now() + 300 });
    await outbox.put(short, 10);
    await outbox.put(acked, 10);
    await outbox.ack('bob-id', [acked.id]);
    await eventually(() => (expired.length > 0 ? true : undefined), 3000);
    await new Promise((r) => setTimeout(r, 600));
    expect(expired).toEqual([{ id: short.id, fromId: 'alice-id' }]);
    expect(await outbox.pendingFor('bob-id')).toEqual([]);
    expect(await outbox.ack('bob-id', [short.id])).toEqual([]);
    await outbox.close();
  });
});
