import {
  mentionsUser,
  TYPING_SHOW_MS,
  type Message,
  type ReadReceipt,
  type ReadState,
  type ReadUpdate,
  type TypingEvent,
  type User,
} from '@parley/protocol';
import type { RoomView } from './app-state.js';

/** Read state, receipts and typing of one room: pure functions over a RoomView (issue 14). */

export const emptyAttention = {
  unread: 0,
  mentions: 0,
  readSeq: 0,
  dividerSeq: undefined,
  receipts: {},
  typing: {},
  highlightSeq: undefined,
} satisfies Partial<RoomView>;

/** The server's numbers from room:join (or room:list), and the receipts a small room has. */
export function withReadState(view: RoomView, state: ReadState | undefined, receipts?: ReadReceipt[]): RoomView {
  const next = state
    ? { ...view, readSeq: state.readSeq, unread: state.unreadCount, mentions: state.mentionCount }
    : view;
  if (!receipts) return next;
  return { ...next, receipts: Object.fromEntries(receipts.map((r) => [r.user.id, r])) };
}

const counts = (messages: Message[], me: User) => ({
  unread: messages.length,
  mentions: messages.filter((m) => mentionsUser(m.body, me.username)).length,
});

/** Others' messages after `seq` among those loaded. */
const othersAfter = (view: RoomView, seq: number, me: User) =>
  view.messages.filter((m) => m.seq > seq && m.sender.id !== me.id);

/**
 * Our read position moved to `seq` (here or on another device): the counts follow. Exact when
 * the loaded messages reach back to it; otherwise what was read among them is taken off.
 */
export function readUpTo(view: RoomView, seq: number, me: User): RoomView {
  if (seq <= view.readSeq) return view;
  const first = view.messages[0]?.seq ?? Infinity;
  if (first <= seq + 1 || first <= view.readSeq + 1) {
    return { ...view, readSeq: seq, ...counts(othersAfter(view, seq, me), me) };
  }
  const read = counts(
    view.messages.filter((m) => m.seq > view.readSeq && m.seq <= seq && m.sender.id !== me.id),
    me,
  );
  return {
    ...view,
    readSeq: seq,
    unread: Math.max(0, view.unread - read.unread),
    mentions: Math.max(0, view.mentions - read.mentions),
  };
}

/** New messages arrived (`fresh`: not seen before): others' ones after the read position count. */
export function countIncoming(view: RoomView, fresh: Message[], me: User): RoomView {
  const unseen = fresh.filter((m) => m.seq > view.readSeq && m.sender.id !== me.id);
  // Whoever wrote a message is no longer typing it.
  const senders = new Set(fresh.map((m) => m.sender.id));
  const typing = Object.values(view.typing).some((t) => senders.has(t.user.id))
    ? Object.fromEntries(Object.entries(view.typing).filter(([id]) => !senders.has(id)))
    : view.typing;
  if (unseen.length === 0) return typing === view.typing ? view : { ...view, typing };
  const added = counts(unseen, me);
  return { ...view, typing, unread: view.unread + added.unread, mentions: view.mentions + added.mentions };
}

/** A read:update: ours moves our position; another member's is their receipt. */
export function applyReadUpdate(view: RoomView, update: ReadUpdate, me: User): RoomView {
  if (update.user.id === me.id) return readUpTo(view, update.seq, me);
  const current = view.receipts[update.user.id];
  if (current && current.seq >= update.seq) return view;
  return { ...view, receipts: { ...view.receipts, [update.user.id]: { user: update.user, seq: update.seq } } };
}

/** Opening a room puts the divider at the read position, when there is something unread. */
export function openedRoom(view: RoomView): RoomView {
  const lastSeq = view.messages.at(-1)?.seq ?? 0;
  const dividerSeq = view.unread > 0 && lastSeq > view.readSeq ? view.readSeq : undefined;
  return dividerSeq === view.dividerSeq ? view : { ...view, dividerSeq };
}

/** The first message after the divider, the one "jump to first unread" shows. */
export function firstUnreadSeq(view: RoomView): number | undefined {
  return view.dividerSeq === undefined ? undefined : view.dividerSeq + 1;
}

export function applyTyping(view: RoomView, event: TypingEvent, me: User, now: number): RoomView {
  if (event.from.id === me.id) return view;
  return { ...view, typing: { ...view.typing, [event.from.id]: { user: event.from, until: now + TYPING_SHOW_MS } } };
}

/** Who is typing now, by name. */
export function typingNames(view: Pick<RoomView, 'typing'>, now: number): string[] {
  return Object.values(view.typing)
    .filter((t) => t.until > now)
    .map((t) => t.user.username)
    .sort();
}

export function expireTyping(view: RoomView, now: number): RoomView {
  const live = Object.entries(view.typing).filter(([, t]) => t.until > now);
  return live.length === Object.keys(view.typing).length ? view : { ...view, typing: Object.fromEntries(live) };
}

/** Members (not us, not its sender) whose receipts reach this message. */
export function seenBy(view: RoomView, message: Message, me: User): User[] {
  return Object.values(view.receipts)
    .filter((r) => r.seq >= message.seq && r.user.id !== me.id && r.user.id !== message.sender.id)
    .map((r) => r.user)
    .sort((a, b) => a.username.localeCompare(b.username));
}

/** The one message of ours that shows "seen by": our latest, as messengers do. */
export function lastOwnSeq(view: RoomView, me: User): number | undefined {
  for (let i = view.messages.length - 1; i >= 0; i -= 1) {
    const m = view.messages[i];
    if (m && m.sender.id === me.id) return m.seq;
  }
  return undefined;
}

/** The typing line under the list: "alice is typing…", "alice and bob are typing…", "3 people are typing…". */
export function typingLine(names: string[]): string | undefined {
  if (names.length === 0) return undefined;
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return `${names.length} people are typing…`;
}

/** A buddy types to us in a private conversation (keyed as dm-threads.ts keys them). */
export function applyDmTyping(
  dmTyping: Record<string, number>,
  event: TypingEvent,
  me: User,
  now: number,
): Record<string, number> {
  if (event.roomId !== undefined || event.from.id === me.id) return dmTyping;
  return { ...dmTyping, [event.from.username.toLowerCase()]: now + TYPING_SHOW_MS };
}

export function expireDmTyping(dmTyping: Record<string, number>, now: number): Record<string, number> {
  const live = Object.entries(dmTyping).filter(([, until]) => until > now);
  return live.length === Object.keys(dmTyping).length ? dmTyping : Object.fromEntries(live);
}
