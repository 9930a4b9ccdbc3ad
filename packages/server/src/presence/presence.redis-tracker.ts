import { randomUUID } from 'node:crypto';
import type { PresenceStatus } from '@parley/protocol';
import type { Logger } from '../log.js';
import type { RedisClient } from '../realtime/redis-adapter.js';
import { CLAIM_SCRIPT, HEARTBEAT_SCRIPT, UPDATE_SCRIPT } from './presence.redis-scripts.js';
import type { PresenceChange, PresenceTiming, PresenceTracker } from './presence.tracker.js';

export interface RedisPresenceTiming extends PresenceTiming {
  /** An instance that has not renewed its heartbeat for this long is taken as dead. */
  instanceTtlMs: number;
}

/** Past this, shutdown goes on without: the heartbeat lapses and another instance sweeps. */
const WITHDRAW_TIMEOUT_MS = 3000;

/** '0': not offline yet; '1': offline if it changed; '2': offline even if Redis lost the status. */
type OfflineMode = '0' | '1' | '2';

interface HeldConnection {
  userId: string;
  value: 'online' | 'away';
}

/**
 * Presence in Redis: every instance keeps its own connection set under a heartbeat key with a
 * TTL, and keeps in memory what it really holds, so Redis can be told again when it forgets.
 *
 * Bounds, with T = PRESENCE_INSTANCE_TTL_MS and a heartbeat every T/3 (measured in
 * crash.test.ts, faults.test.ts and presence.tracker.test.ts, with T = 1 s):
 * - an instance killed: its users go offline within T + T/3 (another instance sweeps it);
 * - Redis restarted (every key lost): each instance finds its heartbeat gone at its next beat
 *   after the client reconnects (node-redis retries within 2.2 s) and re-announces every
 *   connection it holds: buddies see them online again within T/3 + 2.2 s of Redis being back;
 * - an instance paused past T: it is swept (its users shown offline), and at its first beat
 *   after waking it finds its heartbeat gone and re-announces: within T/3 of waking;
 * - a graceful shutdown: users with no connection elsewhere go offline at once, before Redis
 *   closes (no grace: their clients reconnect elsewhere and come back online);
 * - no presence key outlives its owner by more than 3 T: the connections hash and each user's
 *   keys carry a TTL of 3 T that the holding instances renew at every beat.
 */
export function createRedisPresence(
  client: RedisClient,
  prefix: string,
  timing: RedisPresenceTiming,
  log?: Pick<Logger, 'warn'>,
): PresenceTracker {
  const instanceId = randomUUID();
  const key = {
    user: (userId: string) => `${prefix}:presence:user:${userId}`,
    status: (userId: string) => `${prefix}:presence:status:${userId}`,
    conns: (id: string) => `${prefix}:presence:conns:${id}`,
    alive: (id: string) => `${prefix}:presence:alive:${id}`,
    instances: `${prefix}:presence:instances`,
  };
  const keyTtlMs = String(timing.instanceTtlMs * 3);
  const beatEvery = Math.max(50, Math.floor(timing.instanceTtlMs / 3));
  const listeners: ((change: PresenceChange) => void)[] = [];
  const held = new Map<string, HeldConnection>();
  const graceTimers = new Map<string, NodeJS.Timeout>();
  /** Users whose offline could not be written (Redis down): retried at every re-announcement. */
  const owedOffline = new Set<string>();
  /** Users taken offline since the last beat began: Redis may forget it, if it restarted meanwhile. */
  let offlineSinceBeat = new Set<string>();
  const inFlight = new Set<Promise<unknown>>();
  /** Counts the times Redis was found to have lost this instance's state. */
  let epoch = 0;
  let beaten = false;
  /** A write of what this instance holds failed: re-announce everything at the next beat. */
  let unsynced = false;
  let closing: Promise<void> | undefined;

  function track(work: Promise<void>): Promise<void> {
    inFlight.add(work);
    const done = () => inFlight.delete(work);
    work.then(done, done);
    return work;
  }

  async function update(userId: string, connectionId: string, value: string, offline: OfflineMode, owner?: string) {
    const result = await client.eval(UPDATE_SCRIPT, {
      keys: [key.user(userId), key.status(userId), ...(owner ? [key.alive(owner)] : [])],
      arguments: [connectionId, value, offline, keyTtlMs],
    });
    if (typeof result === 'string') {
      for (const listener of listeners) listener({ userId, status: result as PresenceStatus });
    }
  }

  /** Writes one held connection; a failure leaves the whole set to the next beat. */
  async function register(connectionId: string) {
    try {
      const conn = held.get(connectionId);
      if (!conn) return;
      await client.hSet(key.conns(instanceId), connectionId, conn.userId);
      if (held.get(connectionId) !== conn) return;
      await update(conn.userId, connectionId, conn.value, '0');
    } catch (err) {
      unsynced = true;
      throw err;
    }
  }

  async function unregister(userId: string, connectionId: string) {
    try {
      // The user's hash first: a failure leaves the entry in the connections hash for reconcile().
      await update(userId, connectionId, '', '0');
      await client.hDel(key.conns(instanceId), connectionId);
    } catch (err) {
      unsynced = true;
      throw err;
    }
  }

  async function settleOffline(userId: string, mode: OfflineMode) {
    try {
      await update(userId, '-', '', mode);
      // Only a forced settle pays the debt: an ordinary one may have landed before Redis lost it.
      if (mode === '2') owedOffline.delete(userId);
    } catch {
      owedOffline.add(userId);
    }
  }

  function startGrace(userId: string) {
    clearTimeout(graceTimers.get(userId));
    const since = epoch;
    const grace = setTimeout(() => {
      graceTimers.delete(userId);
      offlineSinceBeat.add(userId);
      void track(settleOffline(userId, epoch === since ? '1' : '2'));
    }, timing.graceMs);
    grace.unref();
    graceTimers.set(userId, grace);
  }

  /** Makes Redis say what this instance really holds: after a loss, a sweep or a failed write. */
  async function reconcile() {
    unsynced = false;
    const registered = await client.hGetAll(key.conns(instanceId));
    const stale = Object.entries(registered).filter(([connectionId]) => !held.has(connectionId));
    await Promise.all(stale.map(([connectionId, userId]) => unregister(userId, connectionId)));
    for (const [, userId] of stale) if (!graceTimers.has(userId)) owedOffline.add(userId);
    await Promise.all([...held.keys()].map(register));
    await Promise.all([...owedOffline].map((userId) => settleOffline(userId, '2')));
  }

  async function renewUserKeys() {
    const users = new Set([...held.values()].map((conn) => conn.userId));
    await Promise.all(
      [...users].flatMap((userId) => [
        client.pExpire(key.user(userId), Number(keyTtlMs)),
        client.pExpire(key.status(userId), Number(keyTtlMs)),
      ]),
    );
  }

  async function heartbeat() {
    const recent = offlineSinceBeat;
    offlineSinceBeat = new Set();
    const kept = await client.eval(HEARTBEAT_SCRIPT, {
      keys: [key.alive(instanceId), key.instances, key.conns(instanceId)],
      arguments: [instanceId, String(timing.instanceTtlMs), keyTtlMs],
    });
    if (kept !== 1) {
      if (beaten)
        log?.warn(
          { connections: held.size },
          'presence heartbeat was gone (Redis restarted or instance paused): re-announcing',
        );
      epoch += 1;
      for (const userId of [...recent, ...offlineSinceBeat]) owedOffline.add(userId);
    }
    beaten = true;
    if (kept !== 1 || unsynced || owedOffline.size > 0) await reconcile();
    await renewUserKeys();
  }

  /** Takes over the connections of instances whose heartbeat ran out. */
  async function sweepDeadInstances() {
    for (const id of await client.sMembers(key.instances)) {
      if (id === instanceId) continue;
      const orphans = (await client.eval(CLAIM_SCRIPT, {
        keys: [key.alive(id), key.instances, key.conns(id)],
        arguments: [id],
      })) as string[] | null;
      for (let i = 0; orphans && i + 1 < orphans.length; i += 2) {
        await update(orphans[i + 1] as string, orphans[i] as string, '', '1', id);
      }
    }
  }

  /** Takes this instance's connections away now, so only users held elsewhere stay online. */
  async function withdraw() {
    await Promise.allSettled([...inFlight]);
    const users = new Set([...graceTimers.keys(), ...[...held.values()].map((conn) => conn.userId)]);
    for (const grace of graceTimers.values()) clearTimeout(grace);
    graceTimers.clear();
    const leaving = [...held.entries()];
    held.clear();
    await Promise.all(leaving.map(([connectionId, conn]) => update(conn.userId, connectionId, '', '0')));
    await Promise.all([...users].map((userId) => update(userId, '-', '', '1')));
    await Promise.all([...owedOffline].map((userId) => update(userId, '-', '', '2')));
    await client.multi().del(key.alive(instanceId)).sRem(key.instances, instanceId).del(key.conns(instanceId)).exec();
  }

  const ready = heartbeat().catch(() => undefined);
  let beating = false;
  const timer = setInterval(() => {
    if (beating) return;
    beating = true;
    heartbeat()
      .then(sweepDeadInstances)
      .catch(() => undefined)
      .finally(() => (beating = false));
  }, beatEvery);
  timer.unref();

  return {
    async connect(userId, connectionId) {
      if (closing) return;
      clearTimeout(graceTimers.get(userId));
      graceTimers.delete(userId);
      owedOffline.delete(userId);
      held.set(connectionId, { userId, value: 'online' });
      await ready;
      await track(register(connectionId));
    },
    async disconnect(userId, connectionId) {
      if (!held.delete(connectionId) || closing) return;
      if (![...held.values()].some((conn) => conn.userId === userId)) startGrace(userId);
      await track(unregister(userId, connectionId));
    },
    async setAway(userId, connectionId, away) {
      const conn = held.get(connectionId);
      if (!conn || conn.userId !== userId) return;
      held.set(connectionId, { userId, value: away ? 'away' : 'online' });
      await track(register(connectionId));
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
      // Bounded: with Redis unreachable the heartbeat lapses and another instance sweeps.
      closing ??= Promise.race([
        withdraw(),
        new Promise<void>((_, reject) =>
          setTimeout(() => reject(new Error('presence withdrawal timed out')), WITHDRAW_TIMEOUT_MS).unref(),
        ),
      ]);
      return closing;
    },
  };
}
