import type { DmStatus } from '@parley/protocol';

/** One device's ciphertext of a private message. */
export interface OutboxCopy {
  userId: string;
  deviceId: string;
  payload: string;
}

/** A private message while it waits in memory for its recipient's devices. */
export interface OutboxEntry {
  id: string;
  fromId: string;
  fromUsername: string;
  toId: string;
  /** Absent on entries held before devices existed. */
  toUsername?: string;
  clientMsgId: string;
  /** The contract's single ciphertext, for every connection of the recipient. */
  payload?: string;
  /** Per device: the recipient's, and the sender's other devices. */
  copies?: OutboxCopy[];
  /** The sender is not the recipient's buddy. */
  request?: boolean;
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
  /** The sender's clientMsgId is held already: a retry. `delivered` once a recipient device acked. */
  | { state: 'queued' | 'delivered'; id: string };

export interface Expired {
  id: string;
  fromId: string;
}

/**
 * Test seams that stop a step half-way, as a crash would. Never set in production: they
 * exist so tests can show that a half-done put cannot answer `delivered`.
 */
export interface OutboxFaults {
  /** put() fails after claiming the clientMsgId, before the message is stored. */
  failAfterClaim?: boolean;
}

/**
 * Where private messages wait. Memory only, by design: no implementation may write one to a
 * database, a log or a disk. In-process by default; Redis (no persistence) across instances.
 *
 * A message is `delivered` once one device of the recipient acknowledged it (or, for a message
 * with a single payload, any connection of the recipient). It stays for the devices that have not
 * acknowledged their copy yet, until every copy is acknowledged or its TTL runs out. Statuses
 * (delivered, expired) are kept for the sender for as long as the message's TTL after they
 * happen, so a sender who was away learns them when it connects again.
 */
export interface DmOutbox {
  /**
   * Holds a new message, or answers a retry of a held one, or refuses one past a cap. Claiming
   * the clientMsgId and storing the message are one step: no retry sees one without the other.
   */
  put(entry: OutboxEntry, caps: QueueCaps): Promise<PutResult>;
  /** Messages with a single payload still waiting for the recipient, oldest first. */
  pendingFor(toId: string): Promise<OutboxEntry[]>;
  /** Messages with a copy this device has not acknowledged yet, oldest first. */
  pendingForDevice(userId: string, deviceId: string): Promise<OutboxEntry[]>;
  countFor(toId: string): Promise<number>;
  /**
   * Records acknowledgements by `userId` (from `deviceId`, when the connection named one);
   * returns the messages this call delivered (each once, ever).
   */
  ack(userId: string, ids: string[], deviceId?: string): Promise<Expired[]>;
  /** Statuses of the sender's messages from the last TTL, oldest first: replayed on connect. */
  statusesFor(fromId: string): Promise<DmStatus[]>;
  /** Each message whose TTL runs out undelivered is reported once, to one listener call. */
  onExpired(listener: (expired: Expired) => void): void;
  close(): Promise<void>;
}

/** The first cap `entry` would pass, checked from the narrowest; undefined when none. */
export function firstCapReached(counts: Record<QueueCap, number>, caps: QueueCaps): QueueCap | undefined {
  const order: QueueCap[] = ['perPair', 'perSender', 'perRecipient', 'total'];
  return order.find((cap) => counts[cap] >= caps[cap]);
}

export const deviceKey = (userId: string, deviceId: string) => `${userId}/${deviceId}`;

/** The message's TTL: how long its statuses wait for the sender. */
export const ttlOf = (entry: Pick<OutboxEntry, 'sentAt' | 'expiresAt'>) => Math.max(1, entry.expiresAt - entry.sentAt);

interface Held {
  entry: OutboxEntry;
  acked: Set<string>;
  delivered: boolean;
}

interface Claim {
  id: string;
  delivered: boolean;
  expiresAt: number;
}

interface KeptStatus extends DmStatus {
  until: number;
}

export function createMemoryOutbox(faults: OutboxFaults = {}): DmOutbox {
  const held = new Map<string, Held>();
  const claims = new Map<string, Claim>();
  const inboxes = new Map<string, Set<string>>();
  const outboxes = new Map<string, Set<string>>();
  const statuses = new Map<string, KeptStatus[]>();
  const timers = new Set<NodeJS.Timeout>();
  const listeners: ((expired: Expired) => void)[] = [];

  const clientKey = (fromId: string, clientMsgId: string) => `${fromId} ${clientMsgId}`;
  const removeFrom = (sets: Map<string, Set<string>>, key: string, id: string) => {
    const set = sets.get(key);
    set?.delete(id);
    if (set?.size === 0) sets.delete(key);
  };
  const addTo = (sets: Map<string, Set<string>>, key: string, id: string) => {
    const set = sets.get(key) ?? new Set<string>();
    sets.set(key, set.add(id));
  };
  const drop = (entry: OutboxEntry) => {
    held.delete(entry.id);
    removeFrom(inboxes, entry.toId, entry.id);
    removeFrom(outboxes, entry.fromId, entry.id);
  };
  const heldIn = (ids: Iterable<string> | undefined, keep: (e: OutboxEntry) => boolean = () => true) =>
    [...(ids ?? [])].flatMap((id) => {
      const h = held.get(id);
      return h && keep(h.entry) ? [h.entry] : [];
    });
  const untilOldestExpires = (entries: OutboxEntry[]) =>
    Math.max(1, Math.min(...entries.map((e) => e.expiresAt)) - Date.now());

  function refusal(entry: OutboxEntry, caps: QueueCaps): PutResult | undefined {
    const pair = heldIn(inboxes.get(entry.toId), (e) => e.fromId === entry.fromId);
    const counts = {
      perPair: pair.length,
      perSender: outboxes.get(entry.fromId)?.size ?? 0,
      perRecipient: inboxes.get(entry.toId)?.size ?? 0,
      total: held.size,
    };
    const cap = firstCapReached(counts, caps);
    if (!cap) return undefined;
    const holding = {
      perPair: () => pair,
      perSender: () => heldIn(outboxes.get(entry.fromId)),
      perRecipient: () => heldIn(inboxes.get(entry.toId)),
      total: () => [...held.values()].map((h) => h.entry),
    }[cap]();
    return { state: 'full', cap, retryAfterMs: untilOldestExpires(holding) };
  }

  function keepStatus(entry: OutboxEntry, status: DmStatus['status']): void {
    const now = Date.now();
    const kept = (statuses.get(entry.fromId) ?? []).filter((s) => s.until > now);
    kept.push({ id: entry.id, status, until: now + ttlOf(entry) });
    statuses.set(entry.fromId, kept);
    later(ttlOf(entry) + 1, () => pruneStatuses(entry.fromId));
  }

  /** Statuses past their time leave memory (and may no longer be replayed). */
  function pruneStatuses(fromId: string): DmStatus[] {
    const now = Date.now();
    const kept = (statuses.get(fromId) ?? []).filter((s) => s.until > now);
    if (kept.length === 0) statuses.delete(fromId);
    else statuses.set(fromId, kept);
    return kept.map(({ id, status }) => ({ id, status }));
  }

  function later(ms: number, run: () => void): void {
    const timer: NodeJS.Timeout = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timer.unref();
    timers.add(timer);
  }

  function expire(entry: OutboxEntry): void {
    const key = clientKey(entry.fromId, entry.clientMsgId);
    if (claims.get(key)?.id === entry.id) claims.delete(key);
    const h = held.get(entry.id);
    if (!h) return;
    drop(entry);
    if (h.delivered) return;
    keepStatus(entry, 'expired');
    for (const listener of listeners) listener({ id: entry.id, fromId: entry.fromId });
  }

  /** Every copy acknowledged (or, for a single payload, delivered): nothing left to hand out. */
  const finished = (h: Held) => (h.entry.copies ? h.acked.size >= h.entry.copies.length : h.delivered);

  return {
    put(entry, caps) {
      const key = clientKey(entry.fromId, entry.clientMsgId);
      const claim = claims.get(key);
      // A claim without its message is what a crash half-way through a put leaves: not a
      // retry of anything stored, so the message is stored now, under its new id.
      if (claim && (claim.delivered || held.has(claim.id)))
        return Promise.resolve({ state: claim.delivered ? 'delivered' : 'queued', id: claim.id });
      const full = refusal(entry, caps);
      if (full) return Promise.resolve(full);
      claims.set(key, { id: entry.id, delivered: false, expiresAt: entry.expiresAt });
      if (faults.failAfterClaim) return Promise.reject(new Error('simulated crash after claim'));
      held.set(entry.id, { entry, acked: new Set(), delivered: false });
      addTo(inboxes, entry.toId, entry.id);
      addTo(outboxes, entry.fromId, entry.id);
      later(entry.expiresAt - Date.now(), () => expire(entry));
      return Promise.resolve({ state: 'new', entry });
    },
    pendingFor(toId) {
      return Promise.resolve(heldIn(inboxes.get(toId), (e) => e.payload !== undefined && !held.get(e.id)?.delivered));
    },
    pendingForDevice(userId, deviceId) {
      const device = deviceKey(userId, deviceId);
      const ids = new Set([...(inboxes.get(userId) ?? []), ...(outboxes.get(userId) ?? [])]);
      const pending = [...ids].flatMap((id) => {
        const h = held.get(id);
        const mine = h?.entry.copies?.some((c) => deviceKey(c.userId, c.deviceId) === device);
        return h && mine && !h.acked.has(device) ? [h.entry] : [];
      });
      return Promise.resolve(pending.sort((a, b) => a.sentAt - b.sentAt));
    },
    countFor(toId) {
      return Promise.resolve(inboxes.get(toId)?.size ?? 0);
    },
    ack(userId, ids, deviceId) {
      const delivered: Expired[] = [];
      for (const id of ids) {
        const h = held.get(id);
        if (!h) continue;
        const { entry } = h;
        const isRecipient = entry.toId === userId;
        const device = deviceId === undefined ? undefined : deviceKey(userId, deviceId);
        const hasCopy = device !== undefined && entry.copies?.some((c) => deviceKey(c.userId, c.deviceId) === device);
        if (!isRecipient && !hasCopy) continue;
        if (hasCopy && device) h.acked.add(device);
        if (isRecipient && !h.delivered) {
          h.delivered = true;
          // Remembered (without its payload) until its TTL, so a late retry is answered, not resent.
          const claim = claims.get(clientKey(entry.fromId, entry.clientMsgId));
          if (claim?.id === id) claim.delivered = true;
          keepStatus(entry, 'delivered');
          delivered.push({ id, fromId: entry.fromId });
        }
        if (finished(h)) drop(entry);
      }
      return Promise.resolve(delivered);
    },
    statusesFor(fromId) {
      return Promise.resolve(pruneStatuses(fromId));
    },
    onExpired(listener) {
      listeners.push(listener);
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      held.clear();
      claims.clear();
      inboxes.clear();
      outboxes.clear();
      statuses.clear();
      return Promise.resolve();
    },
  };
}
