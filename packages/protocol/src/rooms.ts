import { z } from 'zod';
import type { ReadReceipt, ReadState } from './attention.js';
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
export const RoomJoin = z.object({ roomId: Id, sinceSeq: Seq.optional() });
export const RoomLeave = z.object({ roomId: Id });
export const RoomHistory = z.object({
  roomId: Id,
  beforeSeq: Seq.optional(),
  limit: z.number().int().min(1).max(HISTORY_LIMIT_MAX).optional(),
});
export const MessageSend = z.object({ roomId: Id, clientMsgId: z.uuid(), body: Body });

export interface RoomJoinResult {
  room: Room;
  members: User[];
  messages: Message[];
  hasMore?: boolean;
  /** Extension (wave 2): the caller's read position and counts in this room. */
  readState?: ReadState;
  /** Extension (wave 2): how far the other members read (rooms up to RECEIPTS_ROOM_MAX members). */
  receipts?: ReadReceipt[];
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
