import type { Room, User } from '@parley/protocol';
import type { Db } from '../db/database.js';
import type { RoomsTable } from '../db/schema.js';

type RoomRow = Pick<RoomsTable, 'id' | 'name' | 'topic' | 'capacity' | 'member_count'>;
const roomColumns = ['id', 'name', 'topic', 'capacity', 'member_count'] as const;

function toRoom(row: RoomRow): Room {
  return {
    id: row.id,
    name: row.name,
    topic: row.topic,
    capacity: Number(row.capacity),
    memberCount: Number(row.member_count),
  };
}

export async function insertRoomWithCreator(
  db: Db,
  room: { id: string; name: string; topic: string; capacity: number; createdBy: string },
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
        created_by: room.createdBy,
        created_at: now.toISOString(),
      })
      .execute();
    await tx
      .insertInto('room_members')
      .values({ room_id: room.id, user_id: room.createdBy, joined_at: now.toISOString() })
      .execute();
  });
  return { id: room.id, name: room.name, topic: room.topic, capacity: room.capacity, memberCount: 1 };
}

export async function findRoom(db: Db, roomId: string): Promise<Room | undefined> {
  const row = await db.selectFrom('rooms').select(roomColumns).where('id', '=', roomId).executeTakeFirst();
  return row && toRoom(row);
}

export async function listRooms(db: Db): Promise<Room[]> {
  const rows = await db.selectFrom('rooms').select(roomColumns).orderBy('name_lower').execute();
  return rows.map(toRoom);
}

export async function listRoomIdsOfUser(db: Db, userId: string): Promise<string[]> {
  const rows = await db.selectFrom('room_members').select('room_id').where('user_id', '=', userId).execute();
  return rows.map((r) => r.room_id);
}

export async function isMember(db: Db, roomId: string, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('room_members')
    .select('room_id')
    .where('room_id', '=', roomId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row !== undefined;
}

export async function listMembers(db: Db, roomId: string): Promise<User[]> {
  return db
    .selectFrom('room_members')
    .innerJoin('users', 'users.id', 'room_members.user_id')
    .select(['users.id', 'users.username'])
    .where('room_members.room_id', '=', roomId)
    .orderBy('users.username_lower')
    .execute();
}

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
