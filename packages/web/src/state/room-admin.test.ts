import { describe, expect, it } from 'vitest';
import { emptyAttention } from './attention.js';
import type { Message, Room } from '@parley/protocol';
import { initialState, type AppState } from './app-state.js';
import {
  addInvitation,
  applyMemberChange,
  applyRoomUpdated,
  dropInvitation,
  memberNotice,
  removeRoom,
  setInvitations,
  shouldNotify,
  sortMembers,
} from './room-admin.js';

const me = { id: 'u1', username: 'alice' };
const bob = { id: 'u2', username: 'bob' };
const room: Room = {
  id: 'r1',
  name: 'team',
  topic: '',
  capacity: 10,
  memberCount: 2,
  visibility: 'private',
  slowModeSeconds: 0,
};

function withRoom(): AppState {
  return {
    ...initialState,
    phase: 'ready',
    me,
    rooms: {
      r1: {
        room,
        members: [
          { ...me, role: 'owner' },
          { ...bob, role: 'member' },
        ],
        messages: [],
        hasMore: false,
        loadingOlder: false,
        ...emptyAttention,
      },
      r2: {
        room: { ...room, id: 'r2' },
        members: [],
        messages: [],
        hasMore: false,
        loadingOlder: false,
        ...emptyAttention,
      },
    },
    roomOrder: ['r1', 'r2'],
    activeRoomId: 'r1',
    outbox: [{ clientMsgId: 'c', roomId: 'r1', body: 'x', createdAt: '', status: 'pending' }],
  };
}

describe('room administration in the app state', () => {
  it('follows roles, joins and removals in the member list', () => {
    let s = applyMemberChange(withRoom(), { roomId: 'r1', user: bob, change: 'role', role: 'moderator' });
    expect(s.rooms.r1?.members.find((m) => m.id === bob.id)?.role).toBe('moderator');
    s = applyMemberChange(s, { roomId: 'r1', user: bob, change: 'kicked' });
    expect(s.rooms.r1?.members.map((m) => m.id)).toEqual([me.id]);
    expect(s.rooms.r1?.room.memberCount).toBe(1);
    s = applyMemberChange(s, { roomId: 'r1', user: bob, change: 'joined' });
    expect(s.rooms.r1?.members.find((m) => m.id === bob.id)?.role).toBe('member');
  });

  it('removes the room, its outbox and opens the next when I am kicked or banned', () => {
    for (const change of ['kicked', 'banned'] as const) {
      const s = applyMemberChange(withRoom(), { roomId: 'r1', user: me, change });
      expect(s.rooms.r1).toBeUndefined();
      expect(s.roomOrder).toEqual(['r2']);
      expect(s.activeRoomId).toBe('r2');
      expect(s.outbox).toEqual([]);
    }
    expect(removeRoom(withRoom(), 'nope')).toEqual(withRoom());
  });

  it('says what happened in words, and nothing for my own join', () => {
    expect(memberNotice({ roomId: 'r1', user: me, change: 'banned' }, me.id, 'team')).toBe(
      'You were banned from #team',
    );
    expect(memberNotice({ roomId: 'r1', user: bob, change: 'role', role: 'moderator' }, me.id, 'team')).toBe(
      'bob is now a moderator of #team',
    );
    expect(memberNotice({ roomId: 'r1', user: me, change: 'joined' }, me.id, 'team')).toBeUndefined();
  });

  it('applies settings, keeps one invitation per room, drops invitations to rooms I am in', () => {
    const s = applyRoomUpdated(withRoom(), { ...room, name: 'renamed', slowModeSeconds: 30, memberCount: 99 });
    expect(s.rooms.r1?.room).toMatchObject({ name: 'renamed', slowModeSeconds: 30, memberCount: 2 });
    const r3 = { ...room, id: 'r3' };
    let t = addInvitation(withRoom(), { room: r3, by: bob });
    t = addInvitation(t, { room: r3, by: me });
    expect(t.invitations).toEqual([{ room: r3, by: me }]);
    expect(addInvitation(withRoom(), { room, by: bob }).invitations).toEqual([]);
    expect(dropInvitation(t, 'r3').invitations).toEqual([]);
  });

  it('replaces the page’s invitations with the server’s pending list, minus rooms I am in', () => {
    const r3 = { ...room, id: 'r3' };
    const r4 = { ...room, id: 'r4' };
    const stale = addInvitation(withRoom(), { room: r4, by: bob });
    const s = setInvitations(stale, [
      { room, by: bob },
      { room: r3, by: bob },
    ]);
    expect(s.invitations).toEqual([{ room: r3, by: bob }]);
  });

  it('notifies by the room’s level: all, mentions only, none, muted', () => {
    const message = (body: string) => ({ body }) as Message;
    expect(shouldNotify({ level: 'all', muted: false }, message('hi'), 'alice')).toBe(true);
    expect(shouldNotify({ level: 'all', muted: true }, message('hi'), 'alice')).toBe(false);
    expect(shouldNotify({ level: 'none', muted: false }, message('@alice'), 'alice')).toBe(false);
    expect(shouldNotify({ level: 'mentions', muted: false }, message('hi @Alice!'), 'alice')).toBe(true);
    expect(shouldNotify({ level: 'mentions', muted: false }, message('hi @alicex'), 'alice')).toBe(false);
    expect(shouldNotify({ level: 'mentions', muted: false }, message('mail a@alice'), 'alice')).toBe(false);
  });

  it('lists the owner first, then moderators, then members', () => {
    const sorted = sortMembers([
      { id: '1', username: 'zed', role: 'member' },
      { id: '2', username: 'amy', role: 'moderator' },
      { id: '3', username: 'bo', role: 'owner' },
      { id: '4', username: 'al', role: 'member' },
    ]);
    expect(sorted.map((m) => m.username)).toEqual(['bo', 'amy', 'al', 'zed']);
  });
});
