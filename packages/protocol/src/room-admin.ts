import { z } from 'zod';
import { Id, Username, type Room, type User } from './entities.js';
import { ROOM_CAPACITY_MAX, ROOM_NAME_MAX, ROOM_TOPIC_MAX, SLOW_MODE_MAX_SECONDS } from './limits.js';

/** Wave 2, "Rooms with owners". */
export const Visibility = z.enum(['public', 'private']);
export type Visibility = z.infer<typeof Visibility>;
export const RoomRole = z.enum(['owner', 'moderator', 'member']);
export type RoomRole = z.infer<typeof RoomRole>;

/** A member as room:join lists them. Extension: `role` beside the contract's User fields. */
export type Member = User & { role: RoomRole };

export const RoomUpdate = z.object({
  roomId: Id,
  name: z.string().trim().min(1).max(ROOM_NAME_MAX).optional(),
  topic: z.string().trim().max(ROOM_TOPIC_MAX).optional(),
  capacity: z.number().int().min(1).max(ROOM_CAPACITY_MAX).optional(),
  visibility: Visibility.optional(),
  slowModeSeconds: z.number().int().min(0).max(SLOW_MODE_MAX_SECONDS).optional(),
});
export const RoomInvite = z.object({ roomId: Id, username: Username });
export const RoomKick = z.object({ roomId: Id, username: Username });
export const RoomBan = z.object({ roomId: Id, username: Username, banned: z.boolean() });
/**
 * Extension: role 'owner' hands the room over (owner only); the previous owner becomes a
 * moderator. The contract's 'moderator' | 'member' work as it says.
 */
export const RoomRoleChange = z.object({ roomId: Id, username: Username, role: RoomRole });
/** Extension: the owner deletes the room, its history and its files. */
export const RoomDelete = z.object({ roomId: Id });
/** Extension: the bans of a room, for its owner and moderators. */
export const RoomBans = z.object({ roomId: Id });
/** Extension: the caller's pending invitations (after a reload, on another device, or when offline at the time). */
export const RoomInvitations = z.object({});
/** Extension: the invitee declines an invitation; it leaves their list on every device. */
export const RoomInviteDecline = z.object({ roomId: Id });

export interface RoomUpdated {
  room: Room;
}
export interface RoomInvited {
  room: Room;
  by: User;
}
/** Extension: a pending invitation as `room:invitations` lists it: `room:invited`'s fields and when. */
export interface RoomInvitation extends RoomInvited {
  invitedAt: string;
}
/** Extension: to the members of a room its owner deleted; they are no longer members. */
export interface RoomDeleted {
  roomId: string;
}
