import type { z } from 'zod';
import type { MessageSearchResult, ReadState, ReadUpdate, Settings, TypingEvent } from './attention.js';
import { MessageSearch, ReadMark, SettingsGet, SettingsUpdate, Typing } from './attention.js';
import type { BuddyListResult } from './buddies.js';
import { BuddyBlock, BuddyList, BuddyRemove, BuddyRequest, BuddyRespond, CallSignal, PresenceSet } from './buddies.js';
import type { CallStatus } from './calls.js';
import type { DmNew, DmRequestListResult, DmRequestUpdate, DmSendResult, DmStatus, KeysGetResult } from './dms.js';
import { DmAck, DmRequestList, DmRequestRespond, DmSend, KeysGet, KeysPublish, KeysRemove } from './dms.js';
import type { Message, Room, User } from './entities.js';
import type { AckResult } from './errors.js';
import type { MessageNew, RoomJoinResult, RoomMember } from './rooms.js';
import type { MessageUpdate } from './message-changes.js';
import { MessageDelete, MessageEdit, ReactionSet } from './message-changes.js';
import { MessageSend, RoomCreate, RoomHistory, RoomJoin, RoomLeave, RoomList } from './rooms.js';
import type { RoomDeleted, RoomInvitation, RoomInvited, RoomUpdated } from './room-admin.js';
import {
  RoomBan,
  RoomBans,
  RoomDelete,
  RoomInvitations,
  RoomInvite,
  RoomInviteDecline,
  RoomKick,
  RoomRoleChange,
  RoomUpdate,
} from './room-admin.js';

/** The schema of every client → server event: the server parses each payload with it first. */
export const requestSchemas = {
  'room:create': RoomCreate,
  'room:list': RoomList,
  'room:join': RoomJoin,
  'room:leave': RoomLeave,
  'room:history': RoomHistory,
  'message:send': MessageSend,
  'message:edit': MessageEdit,
  'message:delete': MessageDelete,
  'reaction:set': ReactionSet,
  'dm:send': DmSend,
  'dm:ack': DmAck,
  'keys:publish': KeysPublish,
  'keys:get': KeysGet,
  'keys:remove': KeysRemove,
  'buddy:request': BuddyRequest,
  'buddy:respond': BuddyRespond,
  'buddy:remove': BuddyRemove,
  'buddy:list': BuddyList,
  'buddy:block': BuddyBlock,
  'presence:set': PresenceSet,
  'call:signal': CallSignal,
  // Wave 2, "Rooms with owners" (room:delete and room:bans are Parley's additions).
  'room:update': RoomUpdate,
  'room:invite': RoomInvite,
  'room:kick': RoomKick,
  'room:ban': RoomBan,
  'room:role': RoomRoleChange,
  'room:delete': RoomDelete,
  'room:bans': RoomBans,
  'room:invitations': RoomInvitations,
  'room:invite:decline': RoomInviteDecline,
  typing: Typing,
  'read:mark': ReadMark,
  'message:search': MessageSearch,
  'settings:get': SettingsGet,
  'settings:update': SettingsUpdate,
  'dm:request:respond': DmRequestRespond,
  'dm:request:list': DmRequestList,
} as const;

type Empty = Record<never, never>;

/** What each request answers with when it succeeds (besides `ok: true`). */
export interface RequestResults {
  'room:create': { room: Room };
  /**
   * Extension: joinedRoomIds lists every room the caller is a member of (whatever the page);
   * nextCursor, present when more rooms match, asks for the next page.
   */
  'room:list': {
    rooms: Room[];
    joinedRoomIds: string[];
    nextCursor?: string;
    /** Extension (wave 2): read position, unread and mention counts of every joined room. */
    readStates?: ReadState[];
  };
  'room:join': RoomJoinResult;
  'room:leave': Empty;
  'room:history': { messages: Message[]; hasMore: boolean };
  'message:send': { message: Message };
  'message:edit': { message: Message };
  'message:delete': { message: Message };
  'reaction:set': { message: Message };
  'dm:send': DmSendResult;
  'dm:ack': Empty;
  'keys:publish': Empty;
  'keys:get': KeysGetResult;
  'keys:remove': Empty;
  'buddy:request': Empty;
  'buddy:respond': Empty;
  'buddy:remove': Empty;
  'buddy:list': BuddyListResult;
  'buddy:block': Empty;
  'presence:set': Empty;
  'call:signal': Empty;
  'room:update': { room: Room };
  'room:invite': Empty;
  'room:kick': Empty;
  'room:ban': Empty;
  'room:role': Empty;
  'room:delete': Empty;
  'room:bans': { users: User[] };
  /** Extension: the caller's pending invitations, oldest first. */
  'room:invitations': { invitations: RoomInvitation[] };
  'room:invite:decline': Empty;
  typing: Empty;
  'read:mark': Empty;
  'message:search': MessageSearchResult;
  /** Extension: the caller's settings. */
  'settings:get': { settings: Settings };
  'settings:update': { settings: Settings };
  /** Extension: accept or ignore a message request; kept for the user, told to their other devices. */
  'dm:request:respond': Empty;
  /** Extension: the user's answered message requests. */
  'dm:request:list': DmRequestListResult;
}

export type RequestName = keyof typeof requestSchemas;
/** What a client sends (before defaults and trimming are applied). */
export type RequestPayload<E extends RequestName> = z.input<(typeof requestSchemas)[E]>;
/** What the server sees after parsing. */
export type ParsedRequest<E extends RequestName> = z.output<(typeof requestSchemas)[E]>;
export type RequestResult<E extends RequestName> = RequestResults[E];

/** Server → client events. */
export interface ServerEventPayloads {
  'message:new': MessageNew;
  'message:update': MessageUpdate;
  'room:member': RoomMember;
  'dm:new': DmNew;
  'dm:status': DmStatus;
  'buddy:request': { from: User };
  'buddy:update': { user: User; relation: 'buddy' | 'removed' | 'declined' };
  /** Extension: lastSeenAt with status offline. */
  presence: { user: User; status: 'online' | 'away' | 'offline'; lastSeenAt?: string };
  'call:signal': {
    from: User;
    callId: string;
    kind: 'offer' | 'answer' | 'candidate' | 'hangup' | 'reject';
    data?: unknown;
  };
  'room:updated': RoomUpdated;
  'room:invited': RoomInvited;
  /** Extension: the user declined this invitation (on one of their devices): it leaves the others' lists. */
  'room:invite:declined': { roomId: string };
  /** Extension: the room is gone (its owner deleted it). */
  'room:deleted': RoomDeleted;
  typing: TypingEvent;
  'read:update': ReadUpdate;
  /** Extension: the user's settings changed (on another device). */
  'settings:update': { settings: Settings };
  /** Extension: the server's word on a call (answered elsewhere, busy, missed, peer left). */
  'call:status': CallStatus;
  /** Extension: a message request was answered on another device of the user. */
  'dm:request:update': DmRequestUpdate;
}
export type ServerEventName = keyof ServerEventPayloads;

/** Socket.IO typings for both ends. */
export type ClientToServerEvents = {
  [E in RequestName]: (payload: unknown, ack: (result: AckResult<RequestResult<E>>) => void) => void;
};
export type ServerToClientEvents = {
  [E in ServerEventName]: (payload: ServerEventPayloads[E]) => void;
};

export function isRequestName(name: string): name is RequestName {
  return Object.hasOwn(requestSchemas, name);
}
