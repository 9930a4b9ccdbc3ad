import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, describe, expect, it } from 'vitest';
import type { RedisClient } from '../realtime/redis-adapter.js';
import { TEST_REDIS_URL, eventually, requireServices, uniqueName } from '../test-support/index.js';
import {
  createMemoryOutbox,
  type DmOutbox,
  type Expired,
  type OutboxEntry,
  type OutboxFaults,
  type QueueCaps,
} from './dms.outbox.js';
import { createRedisOutbox } from './dms.redis-outbox.js';

const services = await requireServices('redis');
const redisClients: RedisClient[] = [];
afterAll(async () => {
  for (const c of redisClients) await c.quit();
});

/** Opens an outbox; `faults` (and a shared prefix) let a test stop a put half-way and retry on a sound one. */
type Open = (faults?: OutboxFaults, prefix?: string) => Promise<DmOutbox>;
const implementations: [string, Open][] = [['in-process', (faults) => Promise.resolve(createMemoryOutbox(faults))]];
if (services.redis) {
  implementations.push([
    'redis',
    async (faults, prefix) => {
      const client = createClient({ url: TEST_REDIS_URL });
      await client.connect();
      redisClients.push(client);
      return createRedisOutbox(client, prefix ?? uniqueName('outbox'), faults);
    },
  ]);
}

/** Caps no test reaches unless it means to. */
const roomy: QueueCaps = { perPair: 10, perSender: 10, perRecipient: 10, total: 10_000 };

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
    expect(await outbox.put(dm, roomy)).toEqual({ state: 'new', entry: dm });
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
    await outbox.put(dm, roomy);
    expect(await outbox.put({ ...dm, id: randomUUID() }, roomy)).toEqual({ state: 'queued', id: dm.id });
    await outbox.ack('bob-id', [dm.id]);
    expect(await outbox.put({ ...dm, id: randomUUID() }, roomy)).toEqual({ state: 'delivered', id: dm.id });
    expect(await outbox.pendingFor('bob-id')).toEqual([]);
    await outbox.close();
  });

  it('refuses a message past the per-recipient limit, saying when the oldest expires', async () => {
    const outbox = await open();
    const caps = { ...roomy, perRecipient: 2 };
    const oldest = entry({ fromId: 'x-id', expiresAt: Date.now() + 30_000 });
    await outbox.put(oldest, caps);
    await outbox.put(entry({ fromId: 'y-id' }), caps);
    const full = await outbox.put(entry(), caps);
    expect(full).toMatchObject({ state: 'full', cap: 'perRecipient' });
    const retryAfterMs = full.state === 'full' ? full.retryAfterMs : 0;
    expect(retryAfterMs).toBeGreaterThan(25_000);
    expect(retryAfterMs).toBeLessThanOrEqual(30_000);
    expect(await outbox.put(entry({ toId: 'carol-id' }), caps)).toMatchObject({ state: 'new' });
    await outbox.close();
  });

  it('caps one sender per recipient: an abuser is refused while another sender to the same recipient gets in', async () => {
    const outbox = await open();
    const caps = { ...roomy, perPair: 3 };
    for (let i = 0; i < 3; i += 1)
      expect(await outbox.put(entry({ fromId: 'mallory-id' }), caps)).toMatchObject({ state: 'new' });
    expect(await outbox.put(entry({ fromId: 'mallory-id' }), caps)).toMatchObject({ state: 'full', cap: 'perPair' });
    expect(await outbox.put(entry({ fromId: 'alice-id' }), caps)).toMatchObject({ state: 'new' });
    expect(await outbox.countFor('bob-id')).toBe(4);
    await outbox.close();
  });

  it('caps one sender over all recipients, and frees the slot once a message is acknowledged', async () => {
    const outbox = await open();
    const caps = { ...roomy, perSender: 3 };
    const first = entry({ fromId: 'mallory-id', toId: 'r1' });
    await outbox.put(first, caps);
    await outbox.put(entry({ fromId: 'mallory-id', toId: 'r2' }), caps);
    await outbox.put(entry({ fromId: 'mallory-id', toId: 'r3' }), caps);
    expect(await outbox.put(entry({ fromId: 'mallory-id', toId: 'r4' }), caps)).toMatchObject({
      state: 'full',
      cap: 'perSender',
    });
    expect(await outbox.put(entry({ fromId: 'alice-id', toId: 'r4' }), caps)).toMatchObject({ state: 'new' });
    await outbox.ack('r1', [first.id]);
    expect(await outbox.put(entry({ fromId: 'mallory-id', toId: 'r4' }), caps)).toMatchObject({ state: 'new' });
    await outbox.close();
  });

  it('caps the messages waiting in all', async () => {
    const outbox = await open();
    const caps = { ...roomy, total: 3 };
    await outbox.put(entry({ fromId: 'a1', toId: 'b1' }), caps);
    await outbox.put(entry({ fromId: 'a2', toId: 'b2' }), caps);
    await outbox.put(entry({ fromId: 'a3', toId: 'b3' }), caps);
    expect(await outbox.put(entry({ fromId: 'a4', toId: 'b4' }), caps)).toMatchObject({ state: 'full', cap: 'total' });
    await outbox.close();
  });

  it('reports an undelivered message once when its TTL runs out, and forgets it', async () => {
    const outbox = await open();
    const expired: Expired[] = [];
    outbox.onExpired((e) => expired.push(e));
    const short = entry({ expiresAt: Date.now() + 300 });
    const acked = entry({ expiresAt: Date.now() + 300 });
    await outbox.put(short, roomy);
    await outbox.put(acked, roomy);
    await outbox.ack('bob-id', [acked.id]);
    await eventually(() => (expired.length > 0 ? true : undefined), 3000);
    await new Promise((r) => setTimeout(r, 600));
    expect(expired).toEqual([{ id: short.id, fromId: 'alice-id' }]);
    expect(await outbox.pendingFor('bob-id')).toEqual([]);
    expect(await outbox.ack('bob-id', [short.id])).toEqual([]);
    await outbox.close();
  });

  it('delivers on the first recipient device, keeps the copies other devices have not acknowledged', async () => {
    const outbox = await open();
    const dm = entry({
      copies: [
        { userId: 'bob-id', deviceId: 'b1', payload: 'c1' },
        { userId: 'bob-id', deviceId: 'b2', payload: 'c2' },
        { userId: 'alice-id', deviceId: 'a2', payload: 'c3' },
      ],
    });
    await outbox.put(dm, roomy);
    expect((await outbox.pendingForDevice('bob-id', 'b1')).map((e) => e.id)).toEqual([dm.id]);
    expect((await outbox.pendingForDevice('alice-id', 'a2')).map((e) => e.id)).toEqual([dm.id]);
    expect(await outbox.pendingForDevice('alice-id', 'a1')).toEqual([]);
    expect(await outbox.pendingForDevice('mallory-id', 'b1')).toEqual([]);
    // The sender's other device, and a stranger naming the recipient's device: no delivery.
    expect(await outbox.ack('alice-id', [dm.id], 'a2')).toEqual([]);
    expect(await outbox.ack('mallory-id', [dm.id], 'b1')).toEqual([]);
    expect(await outbox.pendingForDevice('alice-id', 'a2')).toEqual([]);
    expect(await outbox.ack('bob-id', [dm.id], 'b1')).toEqual([{ id: dm.id, fromId: 'alice-id' }]);
    expect(await outbox.ack('bob-id', [dm.id], 'b1')).toEqual([]);
    expect(await outbox.statusesFor('alice-id')).toEqual([{ id: dm.id, status: 'delivered' }]);
    expect((await outbox.pendingForDevice('bob-id', 'b2')).map((e) => e.id)).toEqual([dm.id]);
    expect(await outbox.put({ ...dm, id: randomUUID() }, roomy)).toEqual({ state: 'delivered', id: dm.id });
    expect(await outbox.ack('bob-id', [dm.id], 'b2')).toEqual([]);
    expect(await outbox.pendingForDevice('bob-id', 'b2')).toEqual([]);
    expect(await outbox.countFor('bob-id')).toBe(0);
    await outbox.close();
  });

  it('keeps statuses for the sender for the TTL, then forgets them', async () => {
    const outbox = await open();
    // Sent 1.6 s ago with a 2 s TTL: 0.4 s left to wait, and statuses kept 2 s after they happen.
    const sentAt = Date.now() - 1600;
    const delivered = entry({ sentAt, expiresAt: sentAt + 2000 });
    const expiring = entry({ sentAt, expiresAt: sentAt + 2000 });
    await outbox.put(delivered, roomy);
    await outbox.put(expiring, roomy);
    await outbox.ack('bob-id', [delivered.id]);
    await eventually(async () => ((await outbox.statusesFor('alice-id')).length === 2 ? true : undefined), 3000);
    expect(await outbox.statusesFor('alice-id')).toEqual([
      { id: delivered.id, status: 'delivered' },
      { id: expiring.id, status: 'expired' },
    ]);
    await eventually(async () => ((await outbox.statusesFor('alice-id')).length === 0 ? true : undefined), 6000);
    await outbox.close();
  });

  it('never answers delivered for a message whose put stopped between claim and store (a crash)', async () => {
    const faults: OutboxFaults = { failAfterClaim: true };
    const prefix = uniqueName('crash');
    const crashing = await open(faults, prefix);
    const dm = entry();
    await expect(crashing.put(dm, roomy)).rejects.toThrow(/simulated crash/);
    // The retry: in Redis from another instance; in-process, the same process carrying on.
    faults.failAfterClaim = false;
    const sound = _name === 'redis' ? await open(undefined, prefix) : crashing;
    const retry = { ...dm, id: randomUUID() };
    expect(await sound.put(retry, roomy)).toEqual({ state: 'new', entry: retry });
    expect((await sound.pendingFor('bob-id')).map((e) => e.id)).toEqual([retry.id]);
    expect(await sound.put({ ...dm, id: randomUUID() }, roomy)).toEqual({ state: 'queued', id: retry.id });
    expect(await sound.ack('bob-id', [retry.id])).toEqual([{ id: retry.id, fromId: 'alice-id' }]);
    expect(await sound.put({ ...dm, id: randomUUID() }, roomy)).toEqual({ state: 'delivered', id: retry.id });
    await sound.close();
    if (sound !== crashing) await crashing.close();
  });
});
