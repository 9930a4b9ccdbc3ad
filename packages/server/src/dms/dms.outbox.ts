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

/**
 * How many messages may wait. Per pair and per sender, so that one sender cannot fill anyone's
 * inbox (a legitimate sender to the same recipient still gets in); per recipient; and in all
 * (this instance, or the whole Redis), so that the outbox's memory is bounded.
 */
export interface QueueCaps {
  /** From one sender to one recipient. */
  perPair: number;
  /** From one sender, all recipients together. */
  perSender: number;
  /** For one recipient, all senders together. */
  perRecipient: number;
  total: number;
}

/** Which cap refused a message. */
export type QueueCap = keyof QueueCaps;

export type PutResult =
  | { state: 'new'; entry: OutboxEntry }
  /** A cap is reached; `retryAfterMs` is when the oldest message holding it expires. */
  | { state: 'full'; cap: QueueCap; retryAfterMs: number }
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
  /** Holds a new message, or answers a retry of a held one, or refuses one past a cap. */
  put(entry: OutboxEntry, caps: QueueCaps): Promise<PutResult>;
  /** What still waits for the recipient, oldest first. */
  pendingFor(toId: string): Promise<OutboxEntry[]>;
  countFor(toId: string): Promise<number>;
  /** Removes the recipient's acknowledged messages; returns those this call delivered (once each). */
  ack(toId: string, ids: string[]): Promise<Expired[]>;
  /** Each message whose TTL runs out undelivered is reported once, to one listener call. */
  onExpired(listener: (expired: Expired) => void): void;
  close(): Promise<void>;
}

/** The first cap `entry` would pass, checked from the narrowest; undefined when none. */
export function firstCapReached(counts: Record<QueueCap, number>, caps: QueueCaps): QueueCap | undefined {
  const order: QueueCap[] = ['perPair', 'perSender', 'perRecipient', 'total'];
  return order.find((cap) => counts[cap] >= caps[cap]);
}

export function createMemoryOutbox(): DmOutbox {
  const entries = new Map<string, OutboxEntry>();
  const byClientId = new Map<string, { id: string; delivered: boolean }>();
  const inboxes = new Map<string, Set<string>>();
  const outboxes = new Map<string, Set<string>>();
  const timers = new Set<NodeJS.Timeout>();
  const listeners: ((expired: Expired) => void)[] = [];

  const clientKey = (fromId: string, clientMsgId: string) => `${fromId} ${clientMsgId}`;
  const removeFrom = (sets: Map<string, Set<string>>, key: string, id: string) => {
    const set = sets.get(key);
    set?.delete(id);
    if (set?.size === 0) sets.delete(key);
  };
  const removeFromInbox = (entry: OutboxEntry) => {
    removeFrom(inboxes, entry.toId, entry.id);
    removeFrom(outboxes, entry.fromId, entry.id);
  };
  const heldIn = (ids: Iterable<string> | undefined, keep: (e: OutboxEntry) => boolean = () => true) =>
    [...(ids ?? [])].flatMap((id) => {
      const held = entries.get(id);
      return held && keep(held) ? [held] : [];
    });
  const untilOldestExpires = (held: OutboxEntry[]) =>
    Math.max(1, Math.min(...held.map((e) => e.expiresAt)) - Date.now());

  function refusal(entry: OutboxEntry, caps: QueueCaps): PutResult | undefined {
    const pair = heldIn(inboxes.get(entry.toId), (e) => e.fromId === entry.fromId);
    const counts = {
      perPair: pair.length,
      perSender: outboxes.get(entry.fromId)?.size ?? 0,
      perRecipient: inboxes.get(entry.toId)?.size ?? 0,
      total: entries.size,
    };
    const cap = firstCapReached(counts, caps);
    if (!cap) return undefined;
    const holding = {
      perPair: () => pair,
      perSender: () => heldIn(outboxes.get(entry.fromId)),
      perRecipient: () => heldIn(inboxes.get(entry.toId)),
      total: () => [...entries.values()],
    }[cap]();
    return { state: 'full', cap, retryAfterMs: untilOldestExpires(holding) };
  }

  const expire = (entry: OutboxEntry, timer: NodeJS.Timeout) => {
    timers.delete(timer);
    byClientId.delete(clientKey(entry.fromId, entry.clientMsgId));
    if (!entries.delete(entry.id)) return;
    removeFromInbox(entry);
    for (const listener of listeners) listener({ id: entry.id, fromId: entry.fromId });
  };

  return {
    put(entry, caps) {
      const held = byClientId.get(clientKey(entry.fromId, entry.clientMsgId));
      if (held) return Promise.resolve({ state: held.delivered ? 'delivered' : 'queued', id: held.id });
      const full = refusal(entry, caps);
      if (full) return Promise.resolve(full);
      entries.set(entry.id, entry);
      byClientId.set(clientKey(entry.fromId, entry.clientMsgId), { id: entry.id, delivered: false });
      const inbox = inboxes.get(entry.toId) ?? new Set<string>();
      inboxes.set(entry.toId, inbox.add(entry.id));
      const outbox = outboxes.get(entry.fromId) ?? new Set<string>();
      outboxes.set(entry.fromId, outbox.add(entry.id));
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
      outboxes.clear();
      return Promise.resolve();
    },
  };
}
