import { randomUUID } from 'node:crypto';
import type { PresenceStatus } from '@parley/protocol';
import type { RedisClient } from '../realtime/redis-adapter.js';
import type { PresenceChange, PresenceTiming, PresenceTracker } from './presence.tracker.js';

export interface RedisPresenceTiming extends PresenceTiming {
  /** An instance that has not renewed its heartbeat for this long is taken as dead. */
  instanceTtlMs: number;
}

/*
 * Sets or clears one connection of a user, derives the user's status from all their
 * connections, and returns it only when it differs from the last one announced: the
 * comparison and the update happen atomically, so exactly one instance announces each change.
 * KEYS: user's connections hash, user's announced status. ARGV: connection id, value
 * ('online' | 'away', '' to remove), '1' when offline may be announced now (grace is over).
 */
const UPDATE_SCRIPT = `
if ARGV[2] == '' then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
local status = 'offline'
for _, v in ipairs(redis.call('HVALS', KEYS[1])) do
  if v == 'online' then status = 'online' break end
  status = 'away'
end
if status == 'offline' and ARGV[3] ~= '1' then return false end
local last = redis.call('GET', KEYS[2]) or 'offline'
if last == status then return false end
if status == 'offline' then redis.call('DEL', KEYS[2]) else redis.call('SET', KEYS[2], status, 'PX', 86400000) end
return status
`;

/**
 * Presence in Redis: every instance keeps its own connection set under a heartbeat key with a
 * TTL. An instance that dies stops renewing it; the others notice within instanceTtlMs plus one
 * sweep and take its users' connections away, so they go offline by themselves.
 */
export function createRedisPresence(client: RedisClient, prefix: string, timing: RedisPresenceTiming): PresenceTracker {
  const instanceId = randomUUID();
  const key = {
    user: (userId: string) => `${prefix}:presence:user:${userId}`,
    status: (userId: string) => `${prefix}:presence:status:${userId}`,
    conns: (id: string) => `${prefix}:presence:conns:${id}`,
    alive: (id: string) => `${prefix}:presence:alive:${id}`,
    instances: `${prefix}:presence:instances`,
  };
  const listeners: ((change: PresenceChange) => void)[] = [];
  const graceTimers = new Map<string, NodeJS.Timeout>();
  const beatEvery = Math.max(50, Math.floor(timing.instanceTtlMs / 3));

  async function update(userId: string, connectionId: string, value: string, allowOffline: boolean) {
    const result = await client.eval(UPDATE_SCRIPT, {
      keys: [key.user(userId), key.status(userId)],
      arguments: [connectionId, value, allowOffline ? '1' : '0'],
    });
    if (typeof result === 'string') {
      for (const listener of listeners) listener({ userId, status: result as PresenceStatus });
    }
  }

  async function heartbeat() {
    await client
      .multi()
      .set(key.alive(instanceId), '1', { expiration: { type: 'PX', value: timing.instanceTtlMs } })
      .sAdd(key.instances, instanceId)
      .exec();
  }

  /** Takes over the connections of instances whose heartbeat ran out. */
  async function sweepDeadInstances() {
    for (const id of await client.sMembers(key.instances)) {
      if (id === instanceId || (await client.exists(key.alive(id)))) continue;
      if ((await client.sRem(key.instances, id)) !== 1) continue;
      const orphans = await client.hGetAll(key.conns(id));
      for (const [connectionId, userId] of Object.entries(orphans)) await update(userId, connectionId, '', true);
      await client.del(key.conns(id));
    }
  }

  const ready = heartbeat();
  const timer = setInterval(() => {
    void heartbeat()
      .then(sweepDeadInstances)
      .catch(() => undefined);
  }, beatEvery);
  timer.unref();

  return {
    async connect(userId, connectionId) {
      await ready;
      clearTimeout(graceTimers.get(userId));
      graceTimers.delete(userId);
      await client.hSet(key.conns(instanceId), connectionId, userId);
      await update(userId, connectionId, 'online', false);
    },
    async disconnect(userId, connectionId) {
      await client.hDel(key.conns(instanceId), connectionId);
      await update(userId, connectionId, '', false);
      clearTimeout(graceTimers.get(userId));
      const grace = setTimeout(() => {
        graceTimers.delete(userId);
        void update(userId, '-', '', true).catch(() => undefined);
      }, timing.graceMs);
      grace.unref();
      graceTimers.set(userId, grace);
    },
    async setAway(userId, connectionId, away) {
      if (!(await client.hExists(key.conns(instanceId), connectionId))) return;
      await update(userId, connectionId, away ? 'away' : 'online', false);
    },
    async statusOf(userIds) {
      if (userIds.length === 0) return new Map();
      const values = await client.mGet(userIds.map(key.status));
      return new Map(userIds.map((id, i) => [id, (values[i] as PresenceStatus | null) ?? 'offline']));
    },
    onChange(listener) {
      listeners.push(listener);
    },
    close() {
      clearInterval(timer);
      for (const grace of graceTimers.values()) clearTimeout(grace);
      graceTimers.clear();
      // The heartbeat is left to lapse rather than deleted: clients of a restarting instance
      // get that long to reconnect elsewhere before the sweep takes their connections away.
      return Promise.resolve();
    },
  };
}
