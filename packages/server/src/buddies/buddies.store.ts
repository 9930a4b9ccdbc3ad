import type { User } from '@parley/protocol';
import type { Db } from '../db/database.js';
import { readAll } from '../db/sqlite-statements.js';

export interface BuddyRow {
  user: User;
  lastSeenAt: string | null;
}

export async function isBuddy(db: Db, userId: string, otherId: string): Promise<boolean> {
  const row = await db
    .selectFrom('buddies')
    .select('buddy_id')
    .where('user_id', '=', userId)
    .where('buddy_id', '=', otherId)
    .executeTakeFirst();
  return row !== undefined;
}

export async function hasRequest(db: Db, fromId: string, toId: string): Promise<boolean> {
  const row = await db
    .selectFrom('buddy_requests')
    .select('from_id')
    .where('from_id', '=', fromId)
    .where('to_id', '=', toId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Returns whether a new request was stored (false when it was already there). */
export async function insertRequest(db: Db, fromId: string, toId: string, now: Date): Promise<boolean> {
  const result = await db
    .insertInto('buddy_requests')
    .values({ from_id: fromId, to_id: toId, created_at: now.toISOString() })
    .onConflict((oc) => oc.columns(['from_id', 'to_id']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/** Removes the request from → to; returns whether there was one. */
export async function deleteRequest(db: Db, fromId: string, toId: string): Promise<boolean> {
  const result = await db
    .deleteFrom('buddy_requests')
    .where('from_id', '=', fromId)
    .where('to_id', '=', toId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Turns a request into a buddy pair in one transaction; false when the request was gone. */
export async function acceptRequest(db: Db, fromId: string, toId: string, now: Date): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    if (!(await deleteRequest(tx, fromId, toId))) return false;
    await deleteRequest(tx, toId, fromId);
    await tx
      .insertInto('buddies')
      .values([
        { user_id: fromId, buddy_id: toId, since: now.toISOString() },
        { user_id: toId, buddy_id: fromId, since: now.toISOString() },
      ])
      .onConflict((oc) => oc.columns(['user_id', 'buddy_id']).doNothing())
      .execute();
    return true;
  });
}

/** Ends a buddy pair and any request either way; returns whether anything was removed. */
export async function removeRelation(db: Db, userId: string, otherId: string): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const pairs = await tx
      .deleteFrom('buddies')
      .where((eb) =>
        eb.or([
          eb.and([eb('user_id', '=', userId), eb('buddy_id', '=', otherId)]),
          eb.and([eb('user_id', '=', otherId), eb('buddy_id', '=', userId)]),
        ]),
      )
      .executeTakeFirst();
    const mine = await deleteRequest(tx, userId, otherId);
    const theirs = await deleteRequest(tx, otherId, userId);
    return Number(pairs.numDeletedRows) > 0 || mine || theirs;
  });
}

export async function listBuddies(db: Db, userId: string): Promise<BuddyRow[]> {
  const rows = await db
    .selectFrom('buddies')
    .innerJoin('users', 'users.id', 'buddies.buddy_id')
    .select(['users.id', 'users.username', 'users.last_seen_at'])
    .where('buddies.user_id', '=', userId)
    .orderBy('users.username_lower')
    .execute();
  return rows.map((r) => ({ user: { id: r.id, username: r.username }, lastSeenAt: r.last_seen_at }));
}

export async function listBuddyIds(db: Db, userId: string): Promise<string[]> {
  // Every presence announcement: a kept statement (issue 17).
  const rows = await readAll<{ buddy_id: string }>(db, 'select buddy_id from buddies where user_id = ?', [userId], () =>
    db.selectFrom('buddies').select('buddy_id').where('user_id', '=', userId).execute(),
  );
  return rows.map((r) => r.buddy_id);
}

export async function listIncoming(db: Db, userId: string): Promise<User[]> {
  return db
    .selectFrom('buddy_requests')
    .innerJoin('users', 'users.id', 'buddy_requests.from_id')
    .select(['users.id', 'users.username'])
    .where('buddy_requests.to_id', '=', userId)
    .orderBy('buddy_requests.created_at')
    .execute();
}

export async function listOutgoing(db: Db, userId: string): Promise<User[]> {
  return db
    .selectFrom('buddy_requests')
    .innerJoin('users', 'users.id', 'buddy_requests.to_id')
    .select(['users.id', 'users.username'])
    .where('buddy_requests.from_id', '=', userId)
    .orderBy('buddy_requests.created_at')
    .execute();
}

export async function setLastSeen(db: Db, userId: string, at: Date): Promise<void> {
  await db.updateTable('users').set({ last_seen_at: at.toISOString() }).where('id', '=', userId).execute();
}
