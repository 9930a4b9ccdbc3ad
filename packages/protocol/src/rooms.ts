import { z } from 'zod';
import { Body, Id, type Message, type Room, type User } from './entities.js';
import {
  HISTORY_LIMIT_MAX,
  ROOM_CAPACITY_MAX,
  ROOM_LIST_CURSOR_MAX,
  ROOM_LIST_LIMIT_MAX,
  ROOM_NAME_MAX,
  ROOM_TOPIC_MAX,
} from './limits.js';

const Seq = z.number().int().nonnegative();

export const RoomCreate = z.object({
  name: z.string().trim().min(1).max(ROOM_NAME_MAX),
  topic: z.string().trim().max(ROOM_TOPIC_MAX).optional(),
  capacity: z.number().int().min(1).max(ROOM_CAPACITY_MAX).optional(),
});
/**
 * Extension: room:list is paged and can be filtered. `{}` still works and answers the first page.
 * `query` matches a part of the name or topic, any case; `joined` true lists only the caller's
 * rooms, false only the others; `cursor` is the previous page's `nextCursor`, opaque.
 */
export const RoomList = z.object({
  query: z.string().trim().max(ROOM_TOPIC_MAX).optional(),
  joined: z.boolean().optional(),
  cursor: z.string().min(1).max(ROOM_LIST_CURSOR_MAX).optional(),
  limit: z.number().int().min(1).max(ROOM_LIST_LIMIT_MAX).optional(),
});
/** Wave 2: `sinceVersion` beside `sinceSeq` also answers `changed` (see RoomJoinResult). */
export const RoomJoin = z.object({ roomId: Id, sinceSeq: Seq.optional(), sinceVersion: Seq.optional() });
export const RoomLeave = z.object({ roomId: Id });
export const RoomHistory = z.object({
  roomId: Id,
  beforeSeq: Seq.optional(),
  limit: z.number().int().min(1).max(HISTORY_LIMIT_MAX).optional(),
});
/** Wave 2: `replyTo` names a message of the same room that this one answers. */
export const MessageSend = z.object({ roomId: Id, clientMsgId: z.uuid(), body: Body, replyTo: Id.optional() });

export interface RoomJoinResult {
  room: Room;
  members: User[];
  messages: Message[];
  hasMore?: boolean;
  /**
   * Wave 2, with `sinceVersion`: the messages at or below `sinceSeq` whose version is above
   * `sinceVersion` (at most CATCH_UP_MAX; then `changedHasMore: true`), in their current state.
   */
  changed?: Message[];
  /** Parley addition: more changes than fit; join again with the highest version seen. */
  changedHasMore?: boolean;
  /** Parley addition: the room's change counter when the answer was read (a floor for the client's). */
  version?: number;
}

export interface MessageNew {
  roomId: string;
  messages: Message[];
}

export interface RoomMember {
  roomId: string;
  user: User;
  change: 'joined' | 'left';
}
