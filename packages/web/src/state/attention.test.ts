import { describe, expect, it } from 'vitest';
import type { Message, User } from '@parley/protocol';
import type { RoomView } from './app-state.js';
import {
  applyDmTyping,
  applyReadUpdate,
  applyTyping,
  countIncoming,
  emptyAttention,
  expireDmTyping,
  expireTyping,
  firstUnreadSeq,
  lastOwnSeq,
  openedRoom,
  readUpTo,
  seenBy,
  typingLine,
  typingNames,
  withReadState,
} from './attention.js';

const me: User = { id: 'me', username: 'Me_1' };
const bob: User = { id: 'b', username: 'bob' };
const carol: User = { id: 'c', username: 'carol' };
const msg = (seq: number, sender: User, body = `m${seq}`): Message => ({
  id: `id${seq}`,
  roomId: 'r',
  seq,
  clientMsgId: `c${seq}`,
  sender,
  body,
  sentAt: '2026-01-01T00:00:00.000Z',
  version: seq,
  reactions: [],
});
const view = (messages: Message[], over: Partial<RoomView> = {}): RoomView => ({
  room: { id: 'r', name: 'r', topic: '', capacity: 10, memberCount: 3, visibility: 'public', slowModeSeconds: 0 },
  members: [me, bob, carol].map((u) => ({ ...u, role: 'member' as const })),
  messages,
  hasMore: false,
  loadingOlder: false,
  ...emptyAttention,
  ...over,
});

describe('read state in a room', () => {
  it('takes the server numbers and receipts from room:join', () => {
    const v = withReadState(view([]), { roomId: 'r', readSeq: 3, lastSeq: 9, unreadCount: 6, mentionCount: 2 }, [
      { user: bob, seq: 7 },
    ]);
    expect(v).toMatchObject({ readSeq: 3, unread: 6, mentions: 2, receipts: { b: { user: bob, seq: 7 } } });
  });

  it('counts others’ new messages after the read position, and mentions of us in any case', () => {
    const v = view([msg(1, bob)], { readSeq: 1 });
    const next = countIncoming(v, [msg(2, bob, 'hi @me_1!'), msg(3, me), msg(4, carol, 'mail me_1@x.org')], me);
    expect(next).toMatchObject({ unread: 2, mentions: 1 });
    expect(countIncoming(next, [], me)).toBe(next);
  });

  it('moves forward only, counting exactly when the loaded messages reach the read position', () => {
    const v = view([msg(5, bob), msg(6, bob, '@me_1'), msg(7, me), msg(8, bob)], {
      readSeq: 4,
      unread: 3,
      mentions: 1,
    });
    expect(readUpTo(v, 6, me)).toMatchObject({ readSeq: 6, unread: 1, mentions: 0 });
    expect(readUpTo(v, 3, me)).toBe(v);
    // 100 unread, of which only the latest are loaded: what was read among them is taken off.
    const far = view([msg(101, bob), msg(102, bob)], { readSeq: 2, unread: 100, mentions: 0 });
    expect(readUpTo(far, 101, me)).toMatchObject({ unread: 1 });
  });

  it('keeps another member’s receipt, the furthest one, and says who saw our latest message', () => {
    let v = view([msg(1, me), msg(2, bob), msg(3, me)]);
    v = applyReadUpdate(v, { roomId: 'r', user: carol, seq: 3 }, me);
    v = applyReadUpdate(v, { roomId: 'r', user: bob, seq: 2 }, me);
    expect(applyReadUpdate(v, { roomId: 'r', user: carol, seq: 1 }, me)).toBe(v);
    expect(lastOwnSeq(v, me)).toBe(3);
    expect(seenBy(v, msg(3, me), me)).toEqual([carol]);
    expect(seenBy(v, msg(1, me), me)).toEqual([bob, carol]);
    // Our own update moves our read position instead.
    expect(applyReadUpdate(v, { roomId: 'r', user: me, seq: 3 }, me).readSeq).toBe(3);
  });

  it('puts the divider at the read position on opening, only when something is unread', () => {
    const v = view([msg(1, bob), msg(2, bob), msg(3, bob)], { readSeq: 1, unread: 2 });
    const opened = openedRoom(v);
    expect(opened.dividerSeq).toBe(1);
    expect(firstUnreadSeq(opened)).toBe(2);
    expect(openedRoom(view([msg(1, bob)], { readSeq: 1 })).dividerSeq).toBeUndefined();
  });

  it('shows typing for a few seconds, never our own, and clears it when their message arrives', () => {
    let v = applyTyping(view([]), { roomId: 'r', from: bob }, me, 1000);
    v = applyTyping(v, { roomId: 'r', from: me }, me, 1000);
    v = applyTyping(v, { roomId: 'r', from: carol }, me, 3000);
    expect(typingNames(v, 2000)).toEqual(['bob', 'carol']);
    expect(typingLine(typingNames(v, 2000))).toBe('bob and carol are typing…');
    expect(typingNames(v, 6500)).toEqual(['carol']);
    expect(Object.keys(expireTyping(v, 6500).typing)).toEqual(['c']);
    expect(typingNames(countIncoming(v, [msg(1, carol)], me), 2000)).toEqual(['bob']);
    expect(typingLine(['a', 'b', 'c'])).toBe('3 people are typing…');
    expect(typingLine([])).toBeUndefined();
  });
});

describe('typing in a private conversation', () => {
  it('shows a buddy typing to us for a few seconds, keyed by lower-case name, never a room event', () => {
    const typing = applyDmTyping({}, { from: { id: 'b', username: 'Bob' } }, me, 1000);
    expect(typing).toEqual({ bob: 6000 });
    expect(applyDmTyping(typing, { roomId: 'r', from: bob }, me, 1000)).toBe(typing);
    expect(applyDmTyping(typing, { from: me }, me, 1000)).toBe(typing);
    expect(expireDmTyping(typing, 5999)).toBe(typing);
    expect(expireDmTyping(typing, 6000)).toEqual({});
  });
});
