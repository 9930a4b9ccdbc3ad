import type { RedisClient } from '../realtime/redis-adapter.js';
import {
  firstCapReached,
  type DmOutbox,
  type Expired,
  type OutboxEntry,
  type PutResult,
  type QueueCap,
  type QueueCaps,
} from './dms.outbox.js';

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
    /** What one sender has waiting: for all recipients, and for each. Scored by expiry, as inboxes. */
    sent: (fromId: string) => `${prefix}:dm:sent:${fromId}`,
    pair: (fromId: string, toId: string) => `${prefix}:dm:pair:${fromId}:${toId}`,
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
      await client.multi().zRem(key.inbox(toId), id).zRem(key.sent(fromId), id).zRem(key.pair(fromId, toId), id).exec();
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

  /**
   * Counts are read, then the message is added: instances racing at the edge can pass a cap by
   * a few messages, never by an unbounded number (each put reads the counts afresh).
   */
  async function refusal(entry: OutboxEntry, caps: QueueCaps): Promise<PutResult | undefined> {
    const now = Date.now();
    const sets: Record<QueueCap, string> = {
      perPair: key.pair(entry.fromId, entry.toId),
      perSender: key.sent(entry.fromId),
      perRecipient: key.inbox(entry.toId),
      total: key.expiring,
    };
    const [perPair, perSender, perRecipient, total] = await Promise.all(
      [sets.perPair, sets.perSender, sets.perRecipient, sets.total].map((set) => client.zCount(set, now, '+inf')),
    );
    const cap = firstCapReached(
      { perPair: perPair ?? 0, perSender: perSender ?? 0, perRecipient: perRecipient ?? 0, total: total ?? 0 },
      caps,
    );
    if (!cap) return undefined;
    const [oldest] = await client.zRangeByScoreWithScores(sets[cap], now, '+inf', { LIMIT: { offset: 0, count: 1 } });
    return { state: 'full', cap, retryAfterMs: Math.max(1, (oldest?.score ?? now) - now) };
  }

  return {
    async put(entry, caps) {
      const heldId = await client.get(key.client(entry.fromId, entry.clientMsgId));
      if (heldId) return { state: (await client.exists(key.entry(heldId))) ? 'queued' : 'delivered', id: heldId };
      const full = await refusal(entry, caps);
      if (full) return full;
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
        .zAdd(key.sent(entry.fromId), { score: entry.expiresAt, value: entry.id })
        .pExpire(key.sent(entry.fromId), INBOX_TTL_MS)
        .zAdd(key.pair(entry.fromId, entry.toId), { score: entry.expiresAt, value: entry.id })
        .pExpire(key.pair(entry.fromId, entry.toId), INBOX_TTL_MS)
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
        await client
          .multi()
          .del(key.entry(id))
          .zRem(key.inbox(toId), id)
          .zRem(key.sent(entry.fromId), id)
          .zRem(key.pair(entry.fromId, toId), id)
          .exec();
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
