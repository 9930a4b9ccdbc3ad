import type { Message, Room, User } from '@parley/protocol';

export type Phase = 'loading' | 'signed-out' | 'connecting' | 'ready';
/** 'lost' while reconnecting; 'back' for a few seconds after the connection returns. */
export type Connection = 'online' | 'lost' | 'back';

/** A message the server has not acknowledged yet; kept in localStorage until it is. */
export interface Outgoing {
  clientMsgId: string;
  roomId: string;
  body: string;
  createdAt: string;
  status: 'pending' | 'failed';
  /** Why it failed, in words for the user, and the code: UNAVAILABLE is retried on reconnect. */
  error?: string;
  errorCode?: string;
}

export interface RoomView {
  room: Room;
  members: User[];
  /** Confirmed messages, ascending by seq, each id once. */
  messages: Message[];
  hasMore: boolean;
  loadingOlder: boolean;
  unread: number;
}

export interface Toast {
  id: number;
  kind: 'info' | 'error';
  text: string;
}

export interface AppState {
  phase: Phase;
  me: User | undefined;
  connection: Connection;
  rooms: Record<string, RoomView>;
  /** Joined rooms in sidebar order. */
  roomOrder: string[];
  /** Every room on the server, for the room browser. */
  directory: Room[];
  activeRoomId: string | undefined;
  outbox: Outgoing[];
  toasts: Toast[];
  /** A problem that keeps the app from starting (server unreachable). */
  fatal: string | undefined;
}

export const initialState: AppState = {
  phase: 'loading',
  me: undefined,
  connection: 'online',
  rooms: {},
  roomOrder: [],
  directory: [],
  activeRoomId: undefined,
  outbox: [],
  toasts: [],
  fatal: undefined,
};

export function totalUnread(state: AppState): number {
  return state.roomOrder.reduce((sum, id) => sum + (state.rooms[id]?.unread ?? 0), 0);
}
