/** A private message while it waits in memory for its recipient. */
export interface OutboxEntry {
  id: string;
  fromId: string;
  fromUsername: string;
  toId: string;
  clientMsgId: string;
  payload: string;
  sentAt: number;
  expiresAt: number;
}

export type PutResult =
  | { state: 'new'; entry: OutboxEntry }
  /** The recipient already has `maxQueued` messages waiting. */
  | { state: 'full' }
  /** The sender's clientMsgId is held already: a retry. `delivered` once the recipient acked. */
  | { state: 'queued' | 'delivered'; id: string };

export interface Expired {
  id: string;
  fromId: string;
}

/**
 * Where private messages wait. Memory only, by design: no implementation may write one to a
 * database, a log or a disk. In-process by default; Redis (no persistence) across instances.
 */
export interface DmOutbox {
  /** Holds a new message, or answers a retry of a held one, or refuses one past `maxQueued`. */
  put(entry: OutboxEntry, maxQueued: number): Promise<PutResult>;
  /** What still waits for the recipient, oldest first. */
  pendingFor(toId: string): Promise<OutboxEntry[]>;
  countFor(toId: string): Promise<number>;
  /** Removes the recipient's acknowledged messages; returns those this call delivered (once each). */
  ack(toId: string, ids: string[]): Promise<Expired[]>;
  /** Each message whose TTL runs out undelivered is reported once, to one listener call. */
  onExpired(listener: (expired: Expired) => void): void;
  close(): Promise<void>;
}

export function createMemoryOutbox(): DmOutbox {
  const entries = new Map<string, OutboxEntry>();
  const byClientId = new Map<string, { id: string; delivered: boolean }>();
  const inboxes = new Map<string, Set<string>>();
  const timers = new Set<NodeJS.Timeout>();
  const listeners: ((expired: Expired) => void)[] = [];

  const clientKey = (fromId: string, clientMsgId: string) => `${fromId} ${clientMsgId}`;
  const removeFromInbox = (entry: OutboxEntry) => {
    const inbox = inboxes.get(entry.toId);
    inbox?.delete(entry.id);
    if (inbox?.size === 0) inboxes.delete(entry.toId);
  };

  const expire = (entry: OutboxEntry, timer: NodeJS.Timeout) => {
    timers.delete(timer);
    byClientId.delete(clientKey(entry.fromId, entry.clientMsgId));
    if (!entries.delete(entry.id)) return;
    removeFromInbox(entry);
    for (const listener of listeners) listener({ id: entry.id, fromId: entry.fromId });
  };

  return {
    put(entry, maxQueued) {
      const held = byClientId.get(clientKey(entry.fromId, entry.clientMsgId));
      if (held) return Promise.resolve({ state: held.delivered ? 'delivered' : 'queued', id: held.id });
      if ((inboxes.get(entry.toId)?.size ?? 0) >= maxQueued) return Promise.resolve({ state: 'full' });
      entries.set(entry.id, entry);
      byClientId.set(clientKey(entry.fromId, entry.clientMsgId), { id: entry.id, delivered: false });
      const inbox = inboxes.get(entry.toId) ?? new Set<string>();
      inboxes.set(entry.toId, inbox.add(entry.id));
      const timer: NodeJS.Timeout = setTimeout(() => expire(entry, timer), entry.expiresAt - Date.now());
      timer.unref();
      timers.add(timer);
      return Promise.resolve({ state: 'new', entry });
    },
    pendingFor(toId) {
      const ids = [...(inboxes.get(toId) ?? [])];
      return Promise.resolve(ids.flatMap((id) => entries.get(id) ?? []));
    },
    countFor(toId) {
      return Promise.resolve(inboxes.get(toId)?.size ?? 0);
    },
    ack(toId, ids) {
      const delivered: Expired[] = [];
      for (const id of ids) {
        const entry = entries.get(id);
        if (!entry || entry.toId !== toId) continue;
        entries.delete(id);
        removeFromInbox(entry);
        // Remembered (without its payload) until its TTL, so a late retry is answered, not resent.
        const held = byClientId.get(clientKey(entry.fromId, entry.clientMsgId));
        if (held) held.delivered = true;
        delivered.push({ id, fromId: entry.fromId });
      }
      return Promise.resolve(delivered);
    },
    onExpired(listener) {
      listeners.push(listener);
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      entries.clear();
      byClientId.clear();
      inboxes.clear();
      return Promise.resolve();
    },
  };
}
