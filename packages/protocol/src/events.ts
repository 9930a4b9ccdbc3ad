import type { z } from 'zod';
import type { BuddyListResult } from './buddies.js';
import { BuddyBlock, BuddyList, BuddyRemove, BuddyRequest, BuddyRespond, CallSignal, PresenceSet } from './buddies.js';
import type { DmNew, DmSendResult, DmStatus, KeysGetResult } from './dms.js';
import { DmAck, DmSend, KeysGet, KeysPublish, KeysRemove } from './dms.js';
import type { Message, Room, User } from './entities.js';
import type { AckResult } from './errors.js';
import type { MessageNew, RoomJoinResult, RoomMember } from './rooms.js';
import { MessageSend, RoomCreate, RoomHistory, RoomJoin, RoomLeave, RoomList } from './rooms.js';

/** The schema of every client → server event: the server parses each payload with it first. */
export const requestSchemas = {
  'room:create': RoomCreate,
  'room:list': RoomList,
  'room:join': RoomJoin,
  'room:leave': RoomLeave,
  'room:history': RoomHistory,
  'message:send': MessageSend,
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
} as const;

type Empty = Record<never, never>;

/** What each request answers with when it succeeds (besides `ok: true`). */
export interface RequestResults {
  'room:create': { room: Room };
  /**
   * Extension: joinedRoomIds lists every room the caller is a member of (whatever the page);
   * nextCursor, present when more rooms match, asks for the next page.
   */
  'room:list': { rooms: Room[]; joinedRoomIds: string[]; nextCursor?: string };
  'room:join': RoomJoinResult;
  'room:leave': Empty;
  'room:history': { messages: Message[]; hasMore: boolean };
  'message:send': { message: Message };
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
