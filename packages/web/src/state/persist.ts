import type { Outgoing } from './app-state.js';
import type { RoomPrefs } from './room-admin.js';

/**
 * What the browser keeps between page loads, per user: unsent messages (re-sent with the same
 * clientMsgId after a reload, so the server stores each once), read positions, the open room.
 * localStorage can be full or disabled (private modes); the app then just forgets.
 */
const key = (userId: string, what: string) => `parley:${what}:${userId}`;

function read<T>(k: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(k);
    return raw === null ? fallback : (JSON.parse(raw) as T);
  } catch {
    return fallback;
  }
}

function write(k: string, value: unknown): void {
  try {
    localStorage.setItem(k, JSON.stringify(value));
  } catch {
    // Storage full or disabled: the pending message still goes out, it just won't survive a reload.
  }
}

function isOutgoing(value: unknown): value is Outgoing {
  const v = value as Partial<Outgoing> | null;
  return typeof v?.clientMsgId === 'string' && typeof v.roomId === 'string' && typeof v.body === 'string';
}

export const persist = {
  loadOutbox: (userId: string): Outgoing[] => read<unknown[]>(key(userId, 'outbox'), []).filter(isOutgoing),
  saveOutbox: (userId: string, outbox: Outgoing[]) => write(key(userId, 'outbox'), outbox),
  loadActiveRoom: (userId: string): string | undefined => read<string | undefined>(key(userId, 'active'), undefined),
  saveActiveRoom: (userId: string, roomId: string | undefined) => write(key(userId, 'active'), roomId ?? null),
  /** Issue 15: per-room notification level and mute. */
  loadRoomPrefs: (userId: string): Record<string, RoomPrefs> => read(key(userId, 'room-prefs'), {}),
  saveRoomPrefs: (userId: string, prefs: Record<string, RoomPrefs>) => write(key(userId, 'room-prefs'), prefs),
  /** On sign-out: unsent message text must not stay on a shared computer. */
  forget(userId: string) {
    for (const what of ['outbox', 'read', 'active']) {
      try {
        localStorage.removeItem(key(userId, what));
      } catch {
        // Nothing stored, nothing to forget.
      }
    }
  },
};
