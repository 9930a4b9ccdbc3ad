import type { PresenceStatus } from '@parley/protocol';

/** A change of a user's status, announced once per transition. */
export interface PresenceChange {
  userId: string;
  status: PresenceStatus;
}

/**
 * Who is online, across every instance. A user is online while any connection is open and
 * not away, away when every open connection says so, offline otherwise. Going offline waits a
 * grace period, so a reload or a flaky network does not flap; each transition is reported once.
 */
export interface PresenceTracker {
  connect(userId: string, connectionId: string): Promise<void>;
  disconnect(userId: string, connectionId: string): Promise<void>;
  setAway(userId: string, connectionId: string, away: boolean): Promise<void>;
  statusOf(userIds: string[]): Promise<Map<string, PresenceStatus>>;
  onChange(listener: (change: PresenceChange) => void): void;
  /** Graceful shutdown: users with no connection left on any instance are announced offline. */
  close(): Promise<void>;
}

export interface PresenceTiming {
  /** How long a user without connections stays online before going offline. */
  graceMs: number;
}

export function createMemoryPresence(timing: PresenceTiming): PresenceTracker {
  const connections = new Map<string, Map<string, boolean>>();
  const announced = new Map<string, PresenceStatus>();
  const graceTimers = new Map<string, NodeJS.Timeout>();
  const listeners: ((change: PresenceChange) => void)[] = [];

  const current = (userId: string): PresenceStatus => {
    const mine = connections.get(userId);
    if (!mine || mine.size === 0) return 'offline';
    return [...mine.values()].every((away) => away) ? 'away' : 'online';
  };

  const settle = (userId: string, allowOffline: boolean) => {
    const status = current(userId);
    if (status === 'offline' && !allowOffline) return;
    if ((announced.get(userId) ?? 'offline') === status) return;
    if (status === 'offline') announced.delete(userId);
    else announced.set(userId, status);
    for (const listener of listeners) listener({ userId, status });
  };

  return {
    connect(userId, connectionId) {
      clearTimeout(graceTimers.get(userId));
      graceTimers.delete(userId);
      const mine = connections.get(userId) ?? new Map<string, boolean>();
      connections.set(userId, mine.set(connectionId, false));
      settle(userId, false);
      return Promise.resolve();
    },
    disconnect(userId, connectionId) {
      const mine = connections.get(userId);
      mine?.delete(connectionId);
      if (mine?.size === 0) {
        connections.delete(userId);
        const timer = setTimeout(() => {
          graceTimers.delete(userId);
          settle(userId, true);
        }, timing.graceMs);
        timer.unref();
        graceTimers.set(userId, timer);
      }
      settle(userId, false);
      return Promise.resolve();
    },
    setAway(userId, connectionId, away) {
      const mine = connections.get(userId);
      if (mine?.has(connectionId)) mine.set(connectionId, away);
      settle(userId, false);
      return Promise.resolve();
    },
    statusOf(userIds) {
      return Promise.resolve(new Map(userIds.map((id) => [id, announced.get(id) ?? 'offline'])));
    },
    onChange(listener) {
      listeners.push(listener);
    },
    close() {
      // Every connection ends with this instance: the users it announced go offline now, so
      // their last-seen time is recorded and nobody is left shown online.
      for (const timer of graceTimers.values()) clearTimeout(timer);
      graceTimers.clear();
      connections.clear();
      for (const userId of [...announced.keys()]) settle(userId, true);
      return Promise.resolve();
    },
  };
}
