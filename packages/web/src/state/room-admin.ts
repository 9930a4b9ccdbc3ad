import type { Member, Message, Room, RoomInvited, RoomMember } from '@parley/protocol';
import type { AppState } from './app-state.js';

/**
 * Rooms with owners (issue 15), as pure changes of the app state: the member list with roles,
 * settings, removal (left, kicked, banned, deleted), invitations and per-room notifications.
 */

export type NotifyLevel = 'all' | 'mentions' | 'none';
export interface RoomPrefs {
  level: NotifyLevel;
  muted: boolean;
}
export const DEFAULT_PREFS: RoomPrefs = { level: 'all', muted: false };

const roleRank = { owner: 0, moderator: 1, member: 2 } as const;

/** Owner first, then moderators, then members; by name within each. */
export function sortMembers(members: Member[]): Member[] {
  return [...members].sort((a, b) => roleRank[a.role] - roleRank[b.role] || a.username.localeCompare(b.username));
}

/** The room leaves the app: sidebar, outbox, the open room (the next one opens instead). */
export function removeRoom(state: AppState, roomId: string): AppState {
  if (!state.rooms[roomId]) return state;
  const { [roomId]: _gone, ...rooms } = state.rooms;
  const roomOrder = state.roomOrder.filter((id) => id !== roomId);
  const outbox = state.outbox.filter((o) => o.roomId !== roomId);
  const activeRoomId = state.activeRoomId === roomId ? roomOrder[0] : state.activeRoomId;
  return { ...state, rooms, roomOrder, outbox, activeRoomId };
}

/** A room:member event: the list, roles and count follow; a kick or ban of me removes the room. */
export function applyMemberChange(state: AppState, event: RoomMember): AppState {
  const view = state.rooms[event.roomId];
  if (!view) return state;
  const mine = event.user.id === state.me?.id;
  if (mine && (event.change === 'kicked' || event.change === 'banned')) return removeRoom(state, event.roomId);
  const others = view.members.filter((m) => m.id !== event.user.id);
  let members: Member[];
  if (event.change === 'joined') members = [...others, { ...event.user, role: event.role ?? 'member' }];
  else if (event.change === 'role') {
    members = view.members.map((m) => (m.id === event.user.id ? { ...m, role: event.role ?? 'member' } : m));
  } else members = others;
  return {
    ...state,
    rooms: {
      ...state.rooms,
      [event.roomId]: { ...view, members, room: { ...view.room, memberCount: members.length } },
    },
  };
}

/** What to tell the user about a member event, or undefined to stay quiet. */
export function memberNotice(event: RoomMember, meId: string | undefined, roomName: string): string | undefined {
  const who = event.user.id === meId ? 'You' : event.user.username;
  switch (event.change) {
    case 'joined':
    case 'left':
      return event.user.id === meId ? undefined : `${who} ${event.change} #${roomName}`;
    case 'kicked':
      return event.user.id === meId ? `You were removed from #${roomName}` : `${who} was removed from #${roomName}`;
    case 'banned':
      return event.user.id === meId ? `You were banned from #${roomName}` : `${who} was banned from #${roomName}`;
    case 'role':
      return `${who} ${event.user.id === meId ? 'are' : 'is'} now ${event.role === 'owner' ? 'the owner' : `a ${event.role}`} of #${roomName}`;
    default:
      return undefined;
  }
}

export function applyRoomUpdated(state: AppState, room: Room): AppState {
  const view = state.rooms[room.id];
  if (!view) return state;
  return {
    ...state,
    rooms: { ...state.rooms, [room.id]: { ...view, room: { ...room, memberCount: view.members.length } } },
  };
}

/** The caller's role in a room they have open. */
export function myRole(state: AppState, roomId: string): Member['role'] | undefined {
  return state.rooms[roomId]?.members.find((m) => m.id === state.me?.id)?.role;
}

export const mayModerate = (role: Member['role'] | undefined) => role === 'owner' || role === 'moderator';

/** An invitation waits until the invitee joins or dismisses it; one per room, the latest. */
export function addInvitation(state: AppState, invited: RoomInvited): AppState {
  if (state.rooms[invited.room.id]) return state;
  return { ...state, invitations: [...state.invitations.filter((i) => i.room.id !== invited.room.id), invited] };
}

/** The server's list of pending invitations (at start, after a reconnect) replaces what this page held. */
export function setInvitations(state: AppState, pending: RoomInvited[]): AppState {
  return pending.reduce(addInvitation, { ...state, invitations: [] });
}

export function dropInvitation(state: AppState, roomId: string): AppState {
  const invitations = state.invitations.filter((i) => i.room.id !== roomId);
  return invitations.length === state.invitations.length ? state : { ...state, invitations };
}

/** Whether a new message of a room earns a desktop notification under the room's settings. */
export function shouldNotify(prefs: RoomPrefs, message: Message, myUsername: string | undefined): boolean {
  if (prefs.muted || prefs.level === 'none') return false;
  if (prefs.level === 'all') return true;
  if (!myUsername) return false;
  const mention = new RegExp(`(^|[^\\w@])@${myUsername.replace(/[.]/g, '\\.')}(?![\\w.-])`, 'i');
  return mention.test(message.body);
}

/** Unread counts that show: a muted room keeps its count but no longer shouts it. */
export const countsUnread = (prefs: RoomPrefs | undefined) => !(prefs?.muted ?? false);
