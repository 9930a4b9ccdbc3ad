import type { PresenceStatus, User } from '@parley/protocol';
import type { Logger } from '../log.js';
import type { ConnectionLifecycle } from '../realtime/connection.js';
import type { Fanout } from '../realtime/fanout.js';
import type { PresenceTracker } from './presence.tracker.js';

export interface PresenceService extends ConnectionLifecycle {
  set(user: User, connectionId: string, status: 'online' | 'away'): Promise<Record<never, never>>;
  statusOf(userIds: string[]): Promise<Map<string, PresenceStatus>>;
  /** Resolves once every announcement under way on this instance has gone out (or failed). */
  idle(): Promise<void>;
  /** Withdraws this instance's connections and waits until their announcements went out. */
  close(): Promise<void>;
}

export interface PresenceDeps {
  tracker: PresenceTracker;
  fanout: Fanout;
  log: Logger;
  findUserById(id: string): Promise<User | undefined>;
  /** Whom to tell: a user's buddies, and nobody else. */
  buddyIdsOf(userId: string): Promise<string[]>;
  recordLastSeen(userId: string, at: Date): Promise<void>;
}

export function createPresenceService(deps: PresenceDeps): PresenceService {
  const { tracker, fanout, log } = deps;

  /**
   * Whether a change is still the user's status when its announcement is ready to go. An
   * announcement waits for the database (an offline writes the last-seen time first), so a later
   * change, here or on another instance, can be announced before it: sent then, the earlier one
   * would overwrite it in every buddy's view for good. A change that is no longer true is left
   * out; the later change's own announcement tells the buddies. Without the tracker (Redis down)
   * the change goes out as it came, as before.
   */
  async function stillTrue(userId: string, status: PresenceStatus): Promise<boolean> {
    try {
      return (await tracker.statusOf([userId])).get(userId) === status;
    } catch {
      return true;
    }
  }

  const announcing = new Set<Promise<void>>();
  tracker.onChange(({ userId, status }) => {
    const announcement = (async () => {
      const now = new Date();
      if (status === 'offline') await deps.recordLastSeen(userId, now);
      const [user, buddyIds] = await Promise.all([deps.findUserById(userId), deps.buddyIdsOf(userId)]);
      if (!user) return;
      // Nothing may be awaited between this check and the sends: they must leave at once.
      if (!(await stillTrue(userId, status))) return;
      const payload = status === 'offline' ? { user, status, lastSeenAt: now.toISOString() } : { user, status };
      for (const buddyId of buddyIds) fanout.toUser(buddyId, 'presence', payload);
    })().catch((err: unknown) => log.warn({ err, userId }, 'presence announcement failed'));
    announcing.add(announcement);
    void announcement.then(() => announcing.delete(announcement));
  });

  const quietly = (work: Promise<void>) =>
    void work.catch((err: unknown) => log.warn({ err }, 'presence tracker unavailable'));

  return {
    connected: ({ user, socketId }) => quietly(tracker.connect(user.id, socketId)),
    disconnected: ({ user, socketId }) => quietly(tracker.disconnect(user.id, socketId)),
    async set(user, connectionId, status) {
      await tracker.setAway(user.id, connectionId, status === 'away');
      return {};
    },
    statusOf: (userIds) => tracker.statusOf(userIds),
    async idle() {
      while (announcing.size > 0) await Promise.all([...announcing]);
    },
    async close() {
      await tracker.close().catch((err: unknown) => log.warn({ err }, 'presence withdrawal failed'));
      await Promise.all([...announcing]);
    },
  };
}
