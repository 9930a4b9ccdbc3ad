import { z } from 'zod';
import type { ReadReceipt, ReadState } from './attention.js';
import { Id, type Message, type Room, type User } from './entities.js';
import { ATTACHMENTS_MAX } from './files.js';
import { Visibility, type Member, type RoomRole } from './room-admin.js';
import {
  BODY_MAX,
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
  visibility: Visibility.optional(),
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
export const MessageSend = z
  .object({
    roomId: Id,
    clientMsgId: z.uuid(),
    // Wave 2 (Files): with attachments the body may be empty; without, Body's 1..4000 holds.
    body: z.string().trim().max(BODY_MAX),
    attachments: z.array(Id).min(1).max(ATTACHMENTS_MAX).optional(),
    /** Wave 2: `replyTo` names a message of the same room that this one answers. */
    replyTo: Id.optional(),
  })
  .refine((m) => m.body.length > 0 || (m.attachments?.length ?? 0) > 0, {
    path: ['body'],
    message: 'Too small: expected string to have >=1 characters',
  });

export interface RoomJoinResult {
  room: Room;
  /** Extension (wave 2): each member carries their role. */
  members: Member[];
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
  /** kicked, banned, role: wave 2 (Rooms with owners). */
  change: 'joined' | 'left' | 'kicked' | 'banned' | 'role';
  /** Extension: the member's role, with 'joined' and 'role'. */
  role?: RoomRole;
}
