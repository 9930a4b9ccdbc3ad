import type { RedisClient } from '../realtime/redis-adapter.js';
import type { DmOutbox, Expired, OutboxEntry } from './dms.outbox.js';

const SWEEP_EVERY_MS = 500;
const INBOX_TTL_MS = 11 * 60 * 1000;

/**
 * Redis refuses to be a private-message store when it writes to disk: an RDB snapshot or an
 * append-only file would put off-the-record messages on a disk. Returns why, or undefined.
 */
export async function whyRedisPersists(client: RedisClient): Promise<string | undefined> {
  try {
    const save = (await client.configGet('save')).save ?? '';
    const appendonly = (await client.configGet('appendonly')).appendonly ?? '';
    const reasons = [
      ...(save.trim() !== '' ? [`RDB snapshots are on (save "${save}")`] : []),
      ...(appendonly !== 'no' ? [`the append-only file is on (appendonly ${appendonly})`] : []),
    ];
    return reasons.length > 0 ? reasons.join(' and ') : undefined;
  } catch {
    return 'its persistence settings cannot be read (CONFIG GET is not allowed)';
  }
}

/**
 * Per-recipient inboxes in Redis, every key under a TTL, so that a recipient on any instance
 * gets their messages. Expiry is swept from one sorted set; ZREM decides which instance reports
 * each expiry (exactly one), and which ack delivers (exactly one).
 */
export function createRedisOutbox(client: RedisClient, prefix: string): DmOutbox {
  const key = {
    entry: (id: string) => `${prefix}:dm:${id}`,
    inbox: (toId: string) => `${prefix}:dm:inbox:${toId}`,
    client: (fromId: string, clientMsgId: string) => `${prefix}:dm:client:${fromId}:${clientMsgId}`,
    expiring: `${prefix}:dm:expiring`,
  };
  const expiringMember = (e: Pick<OutboxEntry, 'id' | 'fromId' | 'toId'>) => `${e.id}|${e.fromId}|${e.toId}`;
  const listeners: ((expired: Expired) => void)[] = [];

  async function sweep(): Promise<void> {
    const due = await client.zRangeByScore(key.expiring, 0, Date.now(), { LIMIT: { offset: 0, count: 200 } });
    for (const member of due) {
      if ((await client.zRem(key.expiring, member)) !== 1) continue;
      const [id = '', fromId = '', toId = ''] = member.split('|');
      await client.zRem(key.inbox(toId), id);
      for (const listener of listeners) listener({ id, fromId });
    }
  }
  let sweeping = false;
  const sweeper = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    sweep()
      .catch(() => undefined)
      .finally(() => (sweeping = false));
  }, SWEEP_EVERY_MS);
  sweeper.unref();

  return {
    async put(entry, maxQueued) {
      const heldId = await client.get(key.client(entry.fromId, entry.clientMsgId));
      if (heldId) return { state: (await client.exists(key.entry(heldId))) ? 'queued' : 'delivered', id: heldId };
      if ((await client.zCount(key.inbox(entry.toId), Date.now(), '+inf')) >= maxQueued) return { state: 'full' };
      const claimed = await client.set(key.client(entry.fromId, entry.clientMsgId), entry.id, {
        condition: 'NX',
        expiration: { type: 'PXAT', value: entry.expiresAt },
      });
      if (claimed !== 'OK') {
        const id = await client.get(key.client(entry.fromId, entry.clientMsgId));
        if (id) return { state: (await client.exists(key.entry(id))) ? 'queued' : 'delivered', id };
      }
      await client
        .multi()
        .set(key.entry(entry.id), JSON.stringify(entry), { expiration: { type: 'PXAT', value: entry.expiresAt } })
        .zAdd(key.inbox(entry.toId), { score: entry.expiresAt, value: entry.id })
        .pExpire(key.inbox(entry.toId), INBOX_TTL_MS)
        .zAdd(key.expiring, { score: entry.expiresAt, value: expiringMember(entry) })
        .exec();
      return { state: 'new', entry };
    },

    async pendingFor(toId) {
      const ids = await client.zRangeByScore(key.inbox(toId), Date.now(), '+inf');
      if (ids.length === 0) return [];
      const raw = await client.mGet(ids.map(key.entry));
      return raw.flatMap((json) => (json ? [JSON.parse(json) as OutboxEntry] : []));
    },

    countFor(toId) {
      return client.zCount(key.inbox(toId), Date.now(), '+inf');
    },

    async ack(toId, ids) {
      const delivered: Expired[] = [];
      for (const id of ids) {
        const json = await client.get(key.entry(id));
        if (!json) continue;
        const entry = JSON.parse(json) as OutboxEntry;
        if (entry.toId !== toId) continue;
        if ((await client.zRem(key.expiring, expiringMember(entry))) !== 1) continue;
        await client.multi().del(key.entry(id)).zRem(key.inbox(toId), id).exec();
        delivered.push({ id, fromId: entry.fromId });
      }
      return delivered;
    },

    onExpired(listener) {
      listeners.push(listener);
    },

    close() {
      clearInterval(sweeper);
      return Promise.resolve();
    },
  };
}
