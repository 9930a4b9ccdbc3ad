import { z } from 'zod';
import { Id, Username, type Message, type User } from './entities.js';

/**
 * Wave 2, "Messages that change": read state, typing and search (PROTOCOL.md). The shapes
 * the contract leaves open are Parley's choices, documented in docs/protocol.md.
 */

const Seq = z.number().int().nonnegative();

export const SEARCH_QUERY_MAX = 200;
export const SEARCH_LIMIT_MAX = 50;
export const SEARCH_LIMIT_DEFAULT = 20;
/** Unread and mention counts look at most this many of a room's latest messages. */
export const UNREAD_COUNT_MAX = 1000;
/** Read receipts go to the other members only in rooms up to this size. */
export const RECEIPTS_ROOM_MAX = 50;
/** A client shows "typing" this long after the last `typing` event, unless it is repeated. */
export const TYPING_SHOW_MS = 5000;
/** The server relays at most one `typing` per sender and conversation this often. */
export const TYPING_MIN_INTERVAL_MS = 1000;

export const ReadMark = z.object({ roomId: Id, seq: Seq });
export const Typing = z.union([z.strictObject({ roomId: Id }), z.strictObject({ to: Username })]);
export const MessageSearch = z.object({
  query: z.string().trim().min(1).max(SEARCH_QUERY_MAX),
  roomId: Id.optional(),
  beforeSeq: Seq.optional(),
  limit: z.number().int().min(1).max(SEARCH_LIMIT_MAX).optional(),
  /** Extension: the previous page's `nextCursor`, for searches over every room. */
  cursor: z.string().min(1).max(128).optional(),
});
export const SettingsGet = z.object({});
export const SettingsUpdate = z.object({ sendReadReceipts: z.boolean().optional() });

/** Extension: a user's settings, the same on every device. */
export interface Settings {
  /** false: nobody else learns how far this user has read (Signal's "read receipts" switch). */
  sendReadReceipts: boolean;
}

/** Extension: the caller's read position and counts in one joined room, computed by the server. */
export interface ReadState {
  roomId: string;
  /** The caller's read position: every message up to this seq is read. */
  readSeq: number;
  /** The room's latest seq. */
  lastSeq: number;
  /** Others' messages after readSeq (counted among the latest UNREAD_COUNT_MAX messages). */
  unreadCount: number;
  /** Of those, the ones that name the caller as @username. */
  mentionCount: number;
}

/** Extension: how far another member has read (rooms up to RECEIPTS_ROOM_MAX members). */
export interface ReadReceipt {
  user: User;
  seq: number;
}

export interface ReadUpdate {
  roomId: string;
  user: User;
  seq: number;
}

export interface TypingEvent {
  roomId?: string;
  from: User;
}

export interface MessageSearchResult {
  messages: Message[];
  hasMore: boolean;
  /** Extension: pass it back as `cursor` for the next page (searches over every room). */
  nextCursor?: string;
}

/** What a Web Push carries: who and what kind, never message text. */
export interface PushNotice {
  kind: 'dm' | 'mention' | 'call';
  from: User;
  /** For a mention: the room, so that a click opens it. */
  roomId?: string;
}

const NAME_CHAR = /[a-zA-Z0-9_.-]/;

/**
 * True when `body` names `username` as `@username`, any case, as a whole word: `@bob` in
 * "hi @bob." but not in "@bobby" or "me@bob" (an e-mail address).
 */
export function mentionsUser(body: string, username: string): boolean {
  const lowerBody = body.toLowerCase();
  const needle = `@${username.toLowerCase()}`;
  for (let at = lowerBody.indexOf(needle); at >= 0; at = lowerBody.indexOf(needle, at + 1)) {
    const before = at === 0 ? '' : lowerBody.charAt(at - 1);
    if (before !== '' && NAME_CHAR.test(before)) continue;
    const after = lowerBody.charAt(at + needle.length);
    // A trailing dot ends a sentence, not the name: "@bob." names bob.
    const next = after === '.' ? lowerBody.charAt(at + needle.length + 1) : after;
    if (after !== '.' && after !== '' && NAME_CHAR.test(after)) continue;
    if (after === '.' && next !== '' && NAME_CHAR.test(next)) continue;
    return true;
  }
  return false;
}

/** The usernames a body names as `@username` (candidates: whether they are members is the server's call). */
export function mentionedNames(body: string): string[] {
  if (!body.includes('@')) return [];
  const names = new Set<string>();
  for (const match of body.matchAll(/(?:^|[^a-zA-Z0-9_.-])@([a-zA-Z0-9_.-]{3,33})/g)) {
    const name = (match[1] ?? '').replace(/\.+$/, '');
    if (name.length >= 3 && name.length <= 32) names.add(name.toLowerCase());
  }
  return [...names];
}
