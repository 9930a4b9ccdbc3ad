import type {
  FileInfo,
  Member,
  Message,
  PresenceStatus,
  ReadReceipt,
  Room,
  RoomInvited,
  Settings,
  User,
} from '@parley/protocol';
import type { RoomPrefs } from './room-admin.js';

export type Phase = 'loading' | 'signed-out' | 'connecting' | 'ready';
/** 'lost' while reconnecting; 'back' for a few seconds after the connection returns. */
export type Connection = 'online' | 'lost' | 'back';

/** A message the server has not acknowledged yet; kept in localStorage until it is. */
export interface Outgoing {
  clientMsgId: string;
  roomId: string;
  body: string;
  /** Issue 14: the message this one answers. */
  replyTo?: string;
  /** Issue 15: files already uploaded, carried by this message. */
  attachments?: FileInfo[];
  createdAt: string;
  status: 'pending' | 'failed';
  /** Why it failed, in words for the user, and the code (a transient refusal keeps it pending instead). */
  error?: string;
  errorCode?: string;
}

export interface RoomView {
  room: Room;
  /** Issue 15: with roles. */
  members: Member[];
  /** Confirmed messages, ascending by seq, each id once. */
  messages: Message[];
  hasMore: boolean;
  loadingOlder: boolean;
  /** Others' messages after our read position, as the server counts them (the same on every device). */
  unread: number;
  /** Of those, the ones that name us as @username. */
  mentions: number;
  /** Our read position in the room (the server's, moved by any of our devices). */
  readSeq: number;
  /** Where the "new messages" divider stands: the read position when the room was opened. */
  dividerSeq: number | undefined;
  /** How far the other members read, by user id (rooms up to 50 members). */
  receipts: Record<string, ReadReceipt>;
  /** Who is typing, by user id, and until when (ms since the epoch). */
  typing: Record<string, { user: User; until: number }>;
  /** A message to show and highlight (a search result, the first unread). */
  highlightSeq: number | undefined;
}

export interface SearchState {
  query: string;
  /** Only this room, or every room. */
  roomId: string | undefined;
  results: Message[];
  hasMore: boolean;
  nextCursor: string | undefined;
  loading: boolean;
  error: string | undefined;
}

/** Web Push on this browser: not offered, off, or subscribed. */
export type PushState = 'unsupported' | 'off' | 'on';

export interface Toast {
  id: number;
  kind: 'info' | 'error';
  text: string;
}

/**
 * One off-the-record message, in page memory only. Ours go sending → queued → delivered (or
 * expired, or failed before the server took them); theirs are 'received'.
 */
export interface DmMessage {
  /** Ours: the clientMsgId; theirs: the server's id. */
  localId: string;
  /** The server's id, once known (the ack for ours). */
  id: string | undefined;
  mine: boolean;
  text: string;
  sentAt: string;
  /** When the server drops it undelivered; ours are marked expired locally past it. */
  expiresAt: string;
  status: 'sending' | 'queued' | 'delivered' | 'expired' | 'failed' | 'received';
  error?: string;
}

export interface DmThread {
  peer: User;
  messages: DmMessage[];
  unread: number;
  /** The contact's public key in use, when known. */
  peerKey: string | undefined;
  safetyNumber: string | undefined;
  /** Set when the contact's key differs from the one trusted before: sending waits for the user. */
  keyChanged: { before: string; after: string } | undefined;
  /** Why we cannot encrypt for them yet (no key published, unknown user…). */
  keyProblem: string | undefined;
  /** Messages that arrived but could not be decrypted here: counted and shown, never silent. */
  undecryptable: number;
  /** The contact's devices (from `keys:get`). */
  peerDevices?: { deviceId: string; publicKey: string }[];
  /** The user compared safety numbers with this contact (and nothing verified changed since). */
  verified?: boolean;
  /** A neutral change of the contact's devices, e.g. "ben added a device"; dismissable. */
  deviceNotice?: string;
  /** A message from someone who is not a buddy: shown as a request to accept or ignore. */
  request?: boolean;
}

export interface BuddyEntry {
  user: User;
  status: PresenceStatus;
  lastSeenAt?: string;
}

export interface Buddies {
  loaded: boolean;
  list: BuddyEntry[];
  incoming: User[];
  outgoing: User[];
}

export type NotificationPermissionState = NotificationPermission | 'unsupported';

export interface AppState {
  phase: Phase;
  me: User | undefined;
  connection: Connection;
  rooms: Record<string, RoomView>;
  /** Joined rooms in sidebar order. */
  roomOrder: string[];
  activeRoomId: string | undefined;
  /** The open private conversation (lower-case username); it covers the room while set. */
  activeDm: string | undefined;
  /** Private conversations by lower-case username, in page memory only. */
  dms: Record<string, DmThread>;
  /** False when this browser could not keep the key pair (no IndexedDB): it lasts for this page. */
  keyStored: boolean;
  /** 'insecure': no WebCrypto on this origin (plain HTTP off localhost): private messages cannot work. */
  dmCrypto?: 'ready' | 'insecure';
  buddies: Buddies;
  notifications: NotificationPermissionState;
  outbox: Outgoing[];
  toasts: Toast[];
  /** Buddies typing to us in a private conversation: until when, by lower-case username. */
  dmTyping: Record<string, number>;
  /** The search panel, when open. */
  search: SearchState | undefined;
  settings: Settings;
  push: PushState;
  /** A problem that keeps the app from starting (server unreachable). */
  fatal: string | undefined;
  /** Issue 15: invitations to rooms not joined yet, newest last. */
  invitations: RoomInvited[];
  /** Issue 15: a link to a room the user may not see: said so in place of the room. */
  blocked: { roomId: string; reason: string } | undefined;
  /** Issue 15: per-room notification level and mute, kept in this browser. */
  roomPrefs: Record<string, RoomPrefs>;
}

export const initialState: AppState = {
  phase: 'loading',
  me: undefined,
  connection: 'online',
  rooms: {},
  roomOrder: [],
  activeRoomId: undefined,
  activeDm: undefined,
  dms: {},
  keyStored: true,
  buddies: { loaded: false, list: [], incoming: [], outgoing: [] },
  notifications: 'unsupported',
  outbox: [],
  toasts: [],
  dmTyping: {},
  search: undefined,
  settings: { sendReadReceipts: true },
  push: 'unsupported',
  fatal: undefined,
  invitations: [],
  blocked: undefined,
  roomPrefs: {},
};

export function totalUnread(state: AppState): number {
  const rooms = state.roomOrder.reduce(
    (sum, id) => sum + (state.roomPrefs[id]?.muted ? 0 : (state.rooms[id]?.unread ?? 0)),
    0,
  );
  const dms = Object.values(state.dms).reduce((sum, thread) => sum + thread.unread, 0);
  return rooms + dms + state.buddies.incoming.length + state.invitations.length;
}
