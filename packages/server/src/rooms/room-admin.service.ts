import type { ParsedRequest, RequestResult, Room, RoomRole, User } from '@parley/protocol';
import type { Db } from '../db/database.js';
import { isUniqueViolation } from '../db/database.js';
import { AppError } from '../errors.js';
import type { Fanout } from '../realtime/fanout.js';
import * as admin from './room-admin.store.js';
import * as store from './rooms.store.js';

/**
 * Wave 2, "Rooms with owners": roles, settings, invitations, kicks, bans, hand-over, deletion.
 * The owner names moderators; owner and moderators moderate members; only the owner acts on
 * moderators. Every check reads the database, so every instance agrees at once.
 */
export interface RoomAdmin {
  /** The caller's role in the room, or undefined when they are neither a member nor hold a role. */
  roleOf(roomId: string, userId: string): Promise<RoomRole | undefined>;
  /** True for the room's owner and moderators: they may delete any message, kick and ban. */
  mayModerate(roomId: string, userId: string): Promise<boolean>;
  /** Public rooms: everyone; private rooms: members, invitees and role holders only. */
  mayView(room: Room, userId: string): Promise<boolean>;
  /** Throws FORBIDDEN when the user may not join: banned, or a private room they were not invited to. */
  assertMayJoin(room: Room, userId: string): Promise<void>;
  update(user: User, input: ParsedRequest<'room:update'>): Promise<RequestResult<'room:update'>>;
  invite(user: User, input: ParsedRequest<'room:invite'>): Promise<RequestResult<'room:invite'>>;
  kick(user: User, input: ParsedRequest<'room:kick'>): Promise<RequestResult<'room:kick'>>;
  ban(user: User, input: ParsedRequest<'room:ban'>): Promise<RequestResult<'room:ban'>>;
  setRole(user: User, input: ParsedRequest<'room:role'>): Promise<RequestResult<'room:role'>>;
  remove(user: User, input: ParsedRequest<'room:delete'>): Promise<RequestResult<'room:delete'>>;
  bans(user: User, input: ParsedRequest<'room:bans'>): Promise<RequestResult<'room:bans'>>;
  /** The caller's pending invitations: invited, not a member now. */
  invitations(user: User): Promise<RequestResult<'room:invitations'>>;
  /** The invitee declines: the invitation goes (a private room's door closes) on every device. */
  declineInvite(user: User, input: ParsedRequest<'room:invite:decline'>): Promise<RequestResult<'room:invite:decline'>>;
}

export interface RoomAdminDeps {
  db: Db;
  fanout: Fanout;
  findUser(username: string): Promise<User | undefined>;
  /** Deletes the files a room's messages carry; called before the room (and its messages) go. */
  forgetRoomFiles?(roomId: string): Promise<void>;
  /** Told when a room's settings changed, so caches (slow mode) drop it. */
  onRoomChanged?(roomId: string): void;
  /** Runs a write that changes a room (its row, members or roles), so caches of it drop what it changes. */
  roomWrite?: RoomWrite;
}

/** What a write changes: always the room; the memberships of one user, or of everyone (a room deleted). */
export interface RoomChange {
  roomId: string;
  memberships?: { userId: string } | 'everyone';
}

export type RoomWrite = <T>(change: RoomChange, write: () => Promise<T>) => Promise<T>;

const rank: Record<RoomRole, number> = { owner: 3, moderator: 2, member: 1 };

export function createRoomAdmin(deps: RoomAdminDeps): RoomAdmin {
  const { db, fanout } = deps;
  const roomWrite: RoomWrite = deps.roomWrite ?? ((_change, write) => write());

  async function findRoomOrThrow(roomId: string): Promise<Room> {
    const room = await store.findRoom(db, roomId);
    if (!room) throw new AppError('NOT_FOUND', 'no such room');
    return room;
  }

  async function roleOf(roomId: string, userId: string): Promise<RoomRole | undefined> {
    const held = await admin.heldRole(db, roomId, userId);
    if (held) return held;
    return (await store.isMember(db, roomId, userId)) ? 'member' : undefined;
  }

  async function mayView(room: Room, userId: string): Promise<boolean> {
    if (room.visibility === 'public') return true;
    if ((await roleOf(room.id, userId)) !== undefined) return true;
    return admin.isInvited(db, room.id, userId);
  }

  /** The room and the actor's role, when the actor is at least `needed`; else FORBIDDEN (or 404 for a hidden room). */
  async function requireRole(user: User, roomId: string, needed: RoomRole): Promise<{ room: Room; role: RoomRole }> {
    const room = await findRoomOrThrow(roomId);
    const role = await roleOf(roomId, user.id);
    if (role === undefined && !(await mayView(room, user.id))) throw new AppError('NOT_FOUND', 'no such room');
    if (role === undefined || rank[role] < rank[needed]) {
      throw new AppError(
        'FORBIDDEN',
        needed === 'owner' ? 'only the owner may do this' : 'only moderators may do this',
      );
    }
    return { room, role };
  }

  async function findUserOrThrow(username: string): Promise<User> {
    const target = await deps.findUser(username);
    if (!target) throw new AppError('NOT_FOUND', 'no such user');
    return target;
  }

  /** The actor may act on the target only when the target ranks below them (and is not the actor). */
  async function requireOutranks(roomId: string, actor: User, actorRole: RoomRole, target: User): Promise<void> {
    if (target.id === actor.id) throw new AppError('FORBIDDEN', 'not on yourself');
    const targetRole = (await roleOf(roomId, target.id)) ?? 'member';
    if (rank[targetRole] >= rank[actorRole]) throw new AppError('FORBIDDEN', `a ${targetRole} outranks or equals you`);
  }

  /** Removes a member and cuts every connection of theirs, on every instance, off the room's fan-out. */
  async function removeAndTell(roomId: string, target: User, change: 'kicked' | 'banned'): Promise<void> {
    const wasMember = await roomWrite({ roomId, memberships: { userId: target.id } }, () =>
      store.removeMember(db, roomId, target.id),
    );
    await fanout.unsubscribeUser(target.id, roomId);
    const event = { roomId, user: target, change };
    if (wasMember || change === 'banned') fanout.toRoom(roomId, 'room:member', event);
    fanout.toUser(target.id, 'room:member', event);
  }

  return {
    roleOf,
    async mayModerate(roomId, userId) {
      const held = await admin.heldRole(db, roomId, userId);
      return held === 'owner' || held === 'moderator';
    },
    mayView,

    async assertMayJoin(room, userId) {
      if (await admin.isBanned(db, room.id, userId)) throw new AppError('FORBIDDEN', 'you are banned from this room');
      if (!(await mayView(room, userId))) throw new AppError('FORBIDDEN', 'this room is private');
    },

    async update(user, input) {
      await requireRole(user, input.roomId, 'moderator');
      const { roomId, ...changes } = input;
      let room: Room | undefined;
      try {
        room = await roomWrite({ roomId }, () => admin.updateRoom(db, roomId, changes));
      } catch (error) {
        if (isUniqueViolation(error)) throw new AppError('CONFLICT', 'a room with that name exists');
        throw error;
      }
      if (!room) throw new AppError('NOT_FOUND', 'no such room');
      deps.onRoomChanged?.(roomId);
      if (Object.keys(changes).length > 0) fanout.toRoom(roomId, 'room:updated', { room });
      return { room };
    },

    async invite(user, input) {
      const room = await findRoomOrThrow(input.roomId);
      const role = await roleOf(room.id, user.id);
      if (role === undefined) {
        if (!(await mayView(room, user.id))) throw new AppError('NOT_FOUND', 'no such room');
        throw new AppError('FORBIDDEN', 'join the room first');
      }
      // Anyone in a public room may point a friend at it; a private room's door is its moderators'.
      if (room.visibility === 'private' && role === 'member') {
        throw new AppError('FORBIDDEN', 'only moderators may invite to a private room');
      }
      const target = await findUserOrThrow(input.username);
      if (await admin.isBanned(db, room.id, target.id)) throw new AppError('FORBIDDEN', 'that user is banned here');
      if (await store.isMember(db, room.id, target.id)) return {};
      await admin.invite(db, room.id, target.id, user.id, new Date());
      fanout.toUser(target.id, 'room:invited', { room, by: { id: user.id, username: user.username } });
      return {};
    },

    async kick(user, input) {
      const { role } = await requireRole(user, input.roomId, 'moderator');
      const target = await findUserOrThrow(input.username);
      await requireOutranks(input.roomId, user, role, target);
      if (!(await store.isMember(db, input.roomId, target.id))) throw new AppError('NOT_FOUND', 'not a member');
      await removeAndTell(input.roomId, target, 'kicked');
      return {};
    },

    async ban(user, input) {
      const { role } = await requireRole(user, input.roomId, 'moderator');
      const target = await findUserOrThrow(input.username);
      await requireOutranks(input.roomId, user, role, target);
      if (!input.banned) {
        await admin.unban(db, input.roomId, target.id);
        return {};
      }
      // A ban takes the target's role too.
      await roomWrite({ roomId: input.roomId }, () => admin.ban(db, input.roomId, target.id, new Date()));
      await removeAndTell(input.roomId, target, 'banned');
      return {};
    },

    async setRole(user, input) {
      await requireRole(user, input.roomId, 'owner');
      const target = await findUserOrThrow(input.username);
      if (target.id === user.id) throw new AppError('FORBIDDEN', 'not on yourself');
      if (!(await store.isMember(db, input.roomId, target.id))) throw new AppError('NOT_FOUND', 'not a member');
      if (input.role === 'owner') {
        await roomWrite({ roomId: input.roomId }, () => admin.transferOwnership(db, input.roomId, user.id, target.id));
        fanout.toRoom(input.roomId, 'room:member', {
          roomId: input.roomId,
          user: { id: user.id, username: user.username },
          change: 'role',
          role: 'moderator',
        });
      } else {
        await roomWrite({ roomId: input.roomId }, () => admin.setRole(db, input.roomId, target.id, input.role));
      }
      fanout.toRoom(input.roomId, 'room:member', {
        roomId: input.roomId,
        user: target,
        change: 'role',
        role: input.role,
      });
      return {};
    },

    async remove(user, input) {
      await requireRole(user, input.roomId, 'owner');
      const members = await store.listMembers(db, input.roomId);
      await deps.forgetRoomFiles?.(input.roomId);
      await roomWrite({ roomId: input.roomId, memberships: 'everyone' }, () => admin.deleteRoom(db, input.roomId));
      deps.onRoomChanged?.(input.roomId);
      fanout.toRoom(input.roomId, 'room:deleted', { roomId: input.roomId });
      await Promise.all(members.map((m) => fanout.unsubscribeUser(m.id, input.roomId)));
      return {};
    },

    async bans(user, input) {
      await requireRole(user, input.roomId, 'moderator');
      return { users: await admin.listBans(db, input.roomId) };
    },

    async invitations(user) {
      return { invitations: await admin.pendingInvitations(db, user.id) };
    },

    async declineInvite(user, input) {
      // A member's invitation is not pending (it lets them come back after leaving): not theirs to decline here.
      if ((await store.isMember(db, input.roomId, user.id)) || !(await admin.dropInvite(db, input.roomId, user.id))) {
        throw new AppError('NOT_FOUND', 'no pending invitation to that room');
      }
      fanout.toUser(user.id, 'room:invite:declined', { roomId: input.roomId });
      return {};
    },
  };
}
