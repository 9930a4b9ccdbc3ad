import type { Member, Room, RoomRole, Visibility } from '@parley/protocol';
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { RoomsTable } from '../db/schema.js';
import { readAll, readFirst } from '../db/sqlite-statements.js';

type RoomRow = Pick<
  RoomsTable,
  'id' | 'name' | 'topic' | 'capacity' | 'member_count' | 'visibility' | 'slow_mode_seconds'
>;
export const roomColumns = [
  'id',
  'name',
  'topic',
  'capacity',
  'member_count',
  'visibility',
  'slow_mode_seconds',
] as const;

export function toRoom(row: RoomRow): Room {
  return {
    id: row.id,
    name: row.name,
    topic: row.topic,
    capacity: Number(row.capacity),
    memberCount: Number(row.member_count),
    visibility: row.visibility === 'private' ? 'private' : 'public',
    slowModeSeconds: Number(row.slow_mode_seconds),
  };
}

export async function insertRoomWithCreator(
  db: Db,
  room: { id: string; name: string; topic: string; capacity: number; createdBy: string; visibility: Visibility },
  now: Date,
): Promise<Room> {
  await db.transaction().execute(async (tx) => {
    await tx
      .insertInto('rooms')
      .values({
        id: room.id,
        name: room.name,
        name_lower: room.name.toLowerCase(),
        topic: room.topic,
        capacity: room.capacity,
        member_count: 1,
        last_seq: 0,
        last_version: 0,
        created_by: room.createdBy,
        created_at: now.toISOString(),
        visibility: room.visibility,
        slow_mode_seconds: 0,
      })
      .execute();
    // The creator owns the room (wave 2).
    await tx.insertInto('room_roles').values({ room_id: room.id, user_id: room.createdBy, role: 'owner' }).execute();
    await tx
      .insertInto('room_members')
      .values({ room_id: room.id, user_id: room.createdBy, joined_at: now.toISOString() })
      .execute();
  });
  return {
    id: room.id,
    name: room.name,
    topic: room.topic,
    capacity: room.capacity,
    memberCount: 1,
    visibility: room.visibility,
    slowModeSeconds: 0,
  };
}

const ROOM_COLUMNS_SQL = roomColumns.map((column) => `rooms.${column}`).join(', ');

export async function findRoom(db: Db, roomId: string): Promise<Room | undefined> {
  const row = await readFirst<RoomRow>(db, `select ${ROOM_COLUMNS_SQL} from rooms where rooms.id = ?`, [roomId], () =>
    db.selectFrom('rooms').select(roomColumns).where('id', '=', roomId).executeTakeFirst(),
  );
  return row && toRoom(row);
}

/** A room as a user about to (re-)join it finds it. */
export interface RoomForJoin {
  room: Room;
  isMember: boolean;
}

const FIND_ROOM_FOR_JOIN_SQL =
  `select ${ROOM_COLUMNS_SQL}, exists(select 1 from room_members ` +
  'where room_members.room_id = rooms.id and room_members.user_id = ?) as is_member from rooms where rooms.id = ?';

/** The room and whether the user is a member, in one read (issue 17: every re-join starts here). */
export async function findRoomForJoin(db: Db, roomId: string, userId: string): Promise<RoomForJoin | undefined> {
  const row = await readFirst<RoomRow & { is_member: unknown }>(db, FIND_ROOM_FOR_JOIN_SQL, [userId, roomId], () =>
    db
      .selectFrom('rooms')
      .select((eb) => [
        ...roomColumns,
        eb
          .exists(
            eb
              .selectFrom('room_members')
              .select('room_members.room_id')
              .whereRef('room_members.room_id', '=', 'rooms.id')
              .where('room_members.user_id', '=', userId),
          )
          .as('is_member'),
      ])
      .where('id', '=', roomId)
      .executeTakeFirst(),
  );
  // SQLite answers 1 or 0, PostgreSQL true or false.
  return row && { room: toRoom(row), isMember: row.is_member === true || Number(row.is_member) === 1 };
}

export interface RoomFilter {
  /** A part of the name or topic, any case. */
  query?: string;
  /** true: only rooms `userId` belongs to; false: only the others. */
  joined?: boolean;
  userId: string;
  /** The lowercase name of the last room of the previous page. */
  afterName?: string;
  limit: number;
}

/** LIKE's wildcards in a user's text match themselves. */
const likePattern = (text: string) => `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** One page of rooms in name order, and the cursor of the next page when there is more. */
export async function listRooms(db: Db, filter: RoomFilter): Promise<{ rooms: Room[]; nextAfterName?: string }> {
  let query = db.selectFrom('rooms').select([...roomColumns, 'name_lower']);
  if (filter.query) {
    const pattern = likePattern(filter.query);
    query = query.where(
      sql<boolean>`(name_lower like ${pattern} escape '\\' or lower(topic) like ${pattern} escape '\\')`,
    );
  }
  // A private room is listed to its members, invitees and role holders only: never a leak.
  query = query.where((eb) =>
    eb.or([
      eb('visibility', '=', 'public'),
      eb('id', 'in', eb.selectFrom('room_members').select('room_id').where('user_id', '=', filter.userId)),
      eb('id', 'in', eb.selectFrom('room_invites').select('room_id').where('user_id', '=', filter.userId)),
      eb('id', 'in', eb.selectFrom('room_roles').select('room_id').where('user_id', '=', filter.userId)),
    ]),
  );
  if (filter.joined !== undefined) {
    const memberships = db.selectFrom('room_members').select('room_id').where('user_id', '=', filter.userId);
    query = query.where('id', filter.joined ? 'in' : 'not in', memberships);
  }
  if (filter.afterName !== undefined) query = query.where('name_lower', '>', filter.afterName);
  const rows = await query
    .orderBy('name_lower')
    .limit(filter.limit + 1)
    .execute();
  const page = rows.slice(0, filter.limit);
  const last = page[page.length - 1];
  return {
    rooms: page.map(toRoom),
    ...(rows.length > filter.limit && last ? { nextAfterName: last.name_lower } : {}),
  };
}

export async function listRoomIdsOfUser(db: Db, userId: string): Promise<string[]> {
  const rows = await readAll<{ room_id: string }>(
    db,
    'select room_members.room_id from room_members where room_members.user_id = ?',
    [userId],
    () => db.selectFrom('room_members').select('room_id').where('user_id', '=', userId).execute(),
  );
  return rows.map((r) => r.room_id);
}

export async function isMember(db: Db, roomId: string, userId: string): Promise<boolean> {
  const row = await readFirst<{ room_id: string }>(
    db,
    'select room_members.room_id from room_members where room_members.room_id = ? and room_members.user_id = ?',
    [roomId, userId],
    () =>
      db
        .selectFrom('room_members')
        .select('room_id')
        .where('room_id', '=', roomId)
        .where('user_id', '=', userId)
        .executeTakeFirst(),
  );
  return row !== undefined;
}

const LIST_MEMBERS_SQL =
  'select users.id, users.username, room_roles.role from room_members ' +
  'inner join users on users.id = room_members.user_id ' +
  'left join room_roles on room_roles.room_id = room_members.room_id and room_roles.user_id = users.id ' +
  'where room_members.room_id = ? order by users.username_lower';

export async function listMembers(db: Db, roomId: string): Promise<Member[]> {
  const rows = await readAll<{ id: string; username: string; role: string | null }>(
    db,
    LIST_MEMBERS_SQL,
    [roomId],
    () => listMemberRows(db, roomId),
  );
  return rows.map((r) => ({ id: r.id, username: r.username, role: asRole(r.role) }));
}

function listMemberRows(db: Db, roomId: string) {
  return db
    .selectFrom('room_members')
    .innerJoin('users', 'users.id', 'room_members.user_id')
    .leftJoin('room_roles', (join) =>
      join.onRef('room_roles.room_id', '=', 'room_members.room_id').onRef('room_roles.user_id', '=', 'users.id'),
    )
    .select(['users.id', 'users.username', 'room_roles.role'])
    .where('room_members.room_id', '=', roomId)
    .orderBy('users.username_lower')
    .execute();
}

export const asRole = (role: string | null | undefined): RoomRole =>
  role === 'owner' || role === 'moderator' ? role : 'member';

export type AddMemberOutcome = 'added' | 'already-member' | 'full';

class RoomFull extends Error {}

/**
 * Adds a member, deciding capacity inside the same transaction: the conditional increment of
 * member_count takes the room row's lock on PostgreSQL, so concurrent joins on any number of
 * instances cannot push a room past its capacity.
 */
export async function addMember(db: Db, roomId: string, userId: string, now: Date): Promise<AddMemberOutcome> {
  try {
    return await db.transaction().execute(async (tx) => {
      const inserted = await tx
        .insertInto('room_members')
        .values({ room_id: roomId, user_id: userId, joined_at: now.toISOString() })
        .onConflict((oc) => oc.columns(['room_id', 'user_id']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return 'already-member';
      const updated = await tx
        .updateTable('rooms')
        .set((eb) => ({ member_count: eb('member_count', '+', 1) }))
        .where('id', '=', roomId)
        .whereRef('member_count', '<', 'capacity')
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) throw new RoomFull();
      return 'added';
    });
  } catch (error) {
    if (error instanceof RoomFull) return 'full';
    throw error;
  }
}

/** Returns whether the user was a member. */
export async function removeMember(db: Db, roomId: string, userId: string): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const deleted = await tx
      .deleteFrom('room_members')
      .where('room_id', '=', roomId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) return false;
    await tx
      .updateTable('rooms')
      .set((eb) => ({ member_count: eb('member_count', '-', 1) }))
      .where('id', '=', roomId)
      .execute();
    return true;
  });
}
