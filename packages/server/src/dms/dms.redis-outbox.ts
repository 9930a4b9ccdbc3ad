import type { DmStatus } from '@parley/protocol';
import type { RedisClient } from '../realtime/redis-adapter.js';
import {
  ttlOf,
  type DmOutbox,
  type Expired,
  type OutboxEntry,
  type OutboxFaults,
  type QueueCap,
} from './dms.outbox.js';
import { ACK, EXPIRE, PENDING_FOR_DEVICE, PUT } from './dms.redis-scripts.js';

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

const asStrings = (reply: unknown): string[] =>
  Array.isArray(reply) ? reply.filter((v): v is string => typeof v === 'string') : [];

/**
 * Per-recipient inboxes in Redis, every key under a TTL, so that a recipient on any instance
 * gets their messages. Every step that changes state is one Lua script (dms.redis-scripts.ts):
 * claim and store are one step, an ack delivers and records the status in one step, and an
 * expiry is decided by ZREM in one step, so exactly one instance reports it.
 */
export function createRedisOutbox(client: RedisClient, prefix: string, faults: OutboxFaults = {}): DmOutbox {
  const key = {
    entry: (id: string) => `${prefix}:dm:${id}`,
    inbox: (toId: string) => `${prefix}:dm:inbox:${toId}`,
    status: (fromId: string) => `${prefix}:dm:status:${fromId}`,
    expiring: `${prefix}:dm:expiring`,
  };
  const listeners: ((expired: Expired) => void)[] = [];
  const run = (script: string, args: (string | number)[]) =>
    client.eval(script, { arguments: args.map((a) => String(a)) });

  async function sweep(): Promise<void> {
    const now = Date.now();
    const due = await client.zRangeByScore(key.expiring, 0, now, { LIMIT: { offset: 0, count: 200 } });
    for (const member of due) {
      if ((await run(EXPIRE, [prefix, member, Date.now()])) !== 1) continue;
      const [id = '', fromId = ''] = member.split('|');
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

  const parseEntries = (raw: unknown) => asStrings(raw).map((json) => JSON.parse(json) as OutboxEntry);

  return {
    async put(entry, caps) {
      const reply = asStrings(
        await run(PUT, [
          prefix,
          entry.id,
          entry.fromId,
          entry.toId,
          entry.clientMsgId,
          JSON.stringify(entry),
          entry.expiresAt,
          Date.now(),
          caps.perPair,
          caps.perSender,
          caps.perRecipient,
          caps.total,
          INBOX_TTL_MS,
          faults.failAfterClaim ? '1' : '0',
          ttlOf(entry),
        ]),
      );
      const [state, value = ''] = reply;
      if (state === 'new') return { state: 'new', entry };
      if (state === 'full') {
        const retryAfterMs = Math.max(1, Number(reply[2]) - Date.now());
        return { state: 'full', cap: value as QueueCap, retryAfterMs };
      }
      return { state: state === 'delivered' ? 'delivered' : 'queued', id: value };
    },

    async pendingFor(toId) {
      const ids = await client.zRangeByScore(key.inbox(toId), Date.now(), '+inf');
      if (ids.length === 0) return [];
      const raw = await client.mGet(ids.map(key.entry));
      return parseEntries(raw).filter((e) => e.payload !== undefined);
    },

    async pendingForDevice(userId, deviceId) {
      const pending = parseEntries(await run(PENDING_FOR_DEVICE, [prefix, userId, deviceId, Date.now()]));
      return pending.sort((a, b) => a.sentAt - b.sentAt);
    },

    countFor(toId) {
      return client.zCount(key.inbox(toId), Date.now(), '+inf');
    },

    async ack(userId, ids, deviceId) {
      const reply = asStrings(await run(ACK, [prefix, userId, deviceId ?? '', Date.now(), ...ids]));
      return reply.map((pair) => {
        const [id = '', fromId = ''] = pair.split('|');
        return { id, fromId };
      });
    },

    async statusesFor(fromId) {
      const kept = await client.zRangeByScore(key.status(fromId), Date.now(), '+inf');
      return kept.map((member) => {
        const [id = '', status] = member.split('|');
        return { id, status: status === 'delivered' ? 'delivered' : 'expired' } satisfies DmStatus;
      });
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
