import type { Room, RoomInvitation, RoomRole, User, Visibility } from '@parley/protocol';
import type { Db } from '../db/database.js';
import { roomColumns, toRoom } from './rooms.store.js';

/** Roles, bans and invitations (wave 2): kept apart from membership, so they outlive a leave. */

/** The role a user holds in a room (owner, moderator), or undefined for everyone else. */
export async function heldRole(db: Db, roomId: string, userId: string): Promise<'owner' | 'moderator' | undefined> {
  const row = await db
    .selectFrom('room_roles')
    .select('role')
    .where('room_id', '=', roomId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row?.role === 'owner' || row?.role === 'moderator' ? row.role : undefined;
}

/** Sets a user's role; 'member' removes any held role. */
export async function setRole(db: Db, roomId: string, userId: string, role: RoomRole): Promise<void> {
  if (role === 'member') {
    await db.deleteFrom('room_roles').where('room_id', '=', roomId).where('user_id', '=', userId).execute();
    return;
  }
  await db
    .insertInto('room_roles')
    .values({ room_id: roomId, user_id: userId, role })
    .onConflict((oc) => oc.columns(['room_id', 'user_id']).doUpdateSet({ role }))
    .execute();
}

/** Hands the room to `toUserId` in one transaction: the previous owner becomes a moderator. */
export async function transferOwnership(db: Db, roomId: string, fromUserId: string, toUserId: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx
      .updateTable('room_roles')
      .set({ role: 'moderator' })
      .where('room_id', '=', roomId)
      .where('user_id', '=', fromUserId)
      .execute();
    await tx
      .insertInto('room_roles')
      .values({ room_id: roomId, user_id: toUserId, role: 'owner' })
      .onConflict((oc) => oc.columns(['room_id', 'user_id']).doUpdateSet({ role: 'owner' }))
      .execute();
  });
}

export async function isBanned(db: Db, roomId: string, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('room_bans')
    .select('user_id')
    .where('room_id', '=', roomId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Bans: the ban, and the loss of any role and invitation, in one transaction. */
export async function ban(db: Db, roomId: string, userId: string, now: Date): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx
      .insertInto('room_bans')
      .values({ room_id: roomId, user_id: userId, banned_at: now.toISOString() })
      .onConflict((oc) => oc.columns(['room_id', 'user_id']).doNothing())
      .execute();
    await tx.deleteFrom('room_roles').where('room_id', '=', roomId).where('user_id', '=', userId).execute();
    await tx.deleteFrom('room_invites').where('room_id', '=', roomId).where('user_id', '=', userId).execute();
  });
}

export async function unban(db: Db, roomId: string, userId: string): Promise<void> {
  await db.deleteFrom('room_bans').where('room_id', '=', roomId).where('user_id', '=', userId).execute();
}

export async function listBans(db: Db, roomId: string): Promise<User[]> {
  return db
    .selectFrom('room_bans')
    .innerJoin('users', 'users.id', 'room_bans.user_id')
    .select(['users.id', 'users.username'])
    .where('room_bans.room_id', '=', roomId)
    .orderBy('users.username_lower')
    .execute();
}

export async function invite(db: Db, roomId: string, userId: string, by: string, now: Date): Promise<void> {
  await db
    .insertInto('room_invites')
    .values({ room_id: roomId, user_id: userId, invited_by: by, invited_at: now.toISOString() })
    .onConflict((oc) => oc.columns(['room_id', 'user_id']).doNothing())
    .execute();
}

export async function isInvited(db: Db, roomId: string, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('room_invites')
    .select('user_id')
    .where('room_id', '=', roomId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * The user's pending invitations, oldest first: rooms they were invited to and are not in now
 * (an invitation to a room they are in is spent until they leave it). Banned users hold none.
 */
export async function pendingInvitations(db: Db, userId: string): Promise<RoomInvitation[]> {
  const rows = await db
    .selectFrom('room_invites')
    .innerJoin('rooms', 'rooms.id', 'room_invites.room_id')
    .innerJoin('users', 'users.id', 'room_invites.invited_by')
    .select(roomColumns.map((c) => `rooms.${c}` as const))
    .select(['users.id as by_id', 'users.username as by_username', 'room_invites.invited_at'])
    .where('room_invites.user_id', '=', userId)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('room_members')
            .select('room_members.room_id')
            .whereRef('room_members.room_id', '=', 'room_invites.room_id')
            .where('room_members.user_id', '=', userId),
        ),
      ),
    )
    .orderBy('room_invites.invited_at')
    .orderBy('rooms.id')
    .execute();
  // invited_by has no foreign key: an invitation from a since-deleted account is not listed.
  return rows.map((row) => ({
    room: toRoom(row),
    by: { id: row.by_id, username: row.by_username },
    invitedAt: new Date(row.invited_at).toISOString(),
  }));
}

/** Drops the invitation; true when there was one. */
export async function dropInvite(db: Db, roomId: string, userId: string): Promise<boolean> {
  const result = await db
    .deleteFrom('room_invites')
    .where('room_id', '=', roomId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export interface RoomChanges {
  name?: string;
  topic?: string;
  capacity?: number;
  visibility?: Visibility;
  slowModeSeconds?: number;
}

/** Applies the changes and answers the room as it now is (undefined when it is gone). */
export async function updateRoom(db: Db, roomId: string, changes: RoomChanges): Promise<Room | undefined> {
  const set = {
    ...(changes.name === undefined ? {} : { name: changes.name, name_lower: changes.name.toLowerCase() }),
    ...(changes.topic === undefined ? {} : { topic: changes.topic }),
    ...(changes.capacity === undefined ? {} : { capacity: changes.capacity }),
    ...(changes.visibility === undefined ? {} : { visibility: changes.visibility }),
    ...(changes.slowModeSeconds === undefined ? {} : { slow_mode_seconds: changes.slowModeSeconds }),
  };
  if (Object.keys(set).length > 0) await db.updateTable('rooms').set(set).where('id', '=', roomId).execute();
  const row = await db.selectFrom('rooms').select(roomColumns).where('id', '=', roomId).executeTakeFirst();
  return row && toRoom(row);
}

/** Deletes the room; its members, roles, bans, invitations and messages go with it (cascades). */
export async function deleteRoom(db: Db, roomId: string): Promise<void> {
  await db.deleteFrom('rooms').where('id', '=', roomId).execute();
}

/**
 * The slow-mode setting of each of these rooms that exists (a room that does not is left out):
 * one statement for every room whose cached setting is read again at once (slow-mode.ts).
 */
export async function slowModeSecondsOf(db: Db, roomIds: readonly string[]): Promise<Map<string, number>> {
  const seconds = new Map<string, number>();
  for (let at = 0; at < roomIds.length; at += SETTINGS_PER_READ) {
    const ids = roomIds.slice(at, at + SETTINGS_PER_READ);
    const rows = await db.selectFrom('rooms').select(['id', 'slow_mode_seconds']).where('id', 'in', ids).execute();
    for (const row of rows) seconds.set(row.id, Number(row.slow_mode_seconds));
  }
  return seconds;
}

/** Bound parameters per read of settings: far below SQLite's and PostgreSQL's limits. */
const SETTINGS_PER_READ = 500;

/** The room's slow mode, and the sender's role when it is on: one query on the send path. */
export async function slowModeOf(
  db: Db,
  roomId: string,
  userId: string,
): Promise<{ seconds: number; exempt: boolean } | undefined> {
  const row = await db
    .selectFrom('rooms')
    .leftJoin('room_roles', (join) =>
      join.onRef('room_roles.room_id', '=', 'rooms.id').on('room_roles.user_id', '=', userId),
    )
    .select(['rooms.slow_mode_seconds', 'room_roles.role'])
    .where('rooms.id', '=', roomId)
    .executeTakeFirst();
  if (!row) return undefined;
  return { seconds: Number(row.slow_mode_seconds), exempt: row.role === 'owner' || row.role === 'moderator' };
}
