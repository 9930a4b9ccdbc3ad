import type { ConnectOptions, ParleyClient } from '@parley/sdk';
import type { AppState, RoomView, Toast } from './app-state.js';
import type { Store } from './store.js';

/** What the action modules share: the store, the live client, and small helpers over both. */
export interface Ctx {
  store: Store<AppState>;
  baseUrl: string;
  transports: NonNullable<ConnectOptions['transports']>;
  client: ParleyClient | undefined;
  toast(kind: Toast['kind'], text: string): void;
  /** A desktop notification, shown only while the tab is hidden and the user allowed them. */
  notify(title: string, body: string, tag: string, onClick?: () => void): void;
  updateRoom(roomId: string, update: (view: RoomView) => RoomView): void;
}

let nextToastId = 1;

export function createCtx(
  store: Store<AppState>,
  baseUrl: string,
  transports: Ctx['transports'],
  notify: Ctx['notify'],
): Ctx {
  const dismiss = (id: number) => store.set((s) => ({ ...s, toasts: s.toasts.filter((t) => t.id !== id) }));
  return {
    store,
    baseUrl,
    transports,
    client: undefined,
    notify,
    toast(kind, text) {
      const id = nextToastId++;
      // Four at most: a burst of events must not cover the screen.
      store.set((s) => ({ ...s, toasts: [...s.toasts.slice(-3), { id, kind, text }] }));
      setTimeout(() => dismiss(id), kind === 'error' ? 7000 : 4000);
    },
    updateRoom(roomId, update) {
      store.set((s) => {
        const view = s.rooms[roomId];
        return view ? { ...s, rooms: { ...s.rooms, [roomId]: update(view) } } : s;
      });
    },
  };
}

export function dismissToast(store: Store<AppState>, id: number): void {
  store.set((s) => ({ ...s, toasts: s.toasts.filter((t) => t.id !== id) }));
}

/** Human words for an error code, where the server's message is not meant for end users. */
export function describeError(error: { code: string; message: string; retryAfterMs?: number }): string {
  switch (error.code) {
    case 'ROOM_FULL':
      return 'Room is full';
    case 'RATE_LIMITED':
      return `Slow down: try again in ${Math.ceil((error.retryAfterMs ?? 1000) / 1000)} s`;
    case 'UNAVAILABLE':
      return 'The server did not answer';
    case 'TOO_LARGE':
      return 'That is too large to send';
    case 'FORBIDDEN':
      return 'You are not a member of this room';
    case 'NOT_FOUND':
      return 'That room no longer exists';
    case 'CONFLICT':
      return 'A room with that name already exists';
    case 'INTERNAL':
      return 'Something went wrong on the server';
    default:
      return error.message;
  }
}
