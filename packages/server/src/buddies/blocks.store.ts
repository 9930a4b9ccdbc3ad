import type { User } from '@parley/protocol';
import type { Db } from '../db/database.js';

/** Whether either user blocked the other: a block stops messages, requests and calls both ways. */
export async function isBlockedEitherWay(db: Db, userId: string, otherId: string): Promise<boolean> {
  const row = await db
    .selectFrom('blocks')
    .select('user_id')
    .where((eb) =>
      eb.or([
        eb.and([eb('user_id', '=', userId), eb('blocked_id', '=', otherId)]),
        eb.and([eb('user_id', '=', otherId), eb('blocked_id', '=', userId)]),
      ]),
    )
    .executeTakeFirst();
  return row !== undefined;
}

export async function setBlocked(
  db: Db,
  userId: string,
  blockedId: string,
  blocked: boolean,
  now: Date,
): Promise<void> {
  if (blocked) {
    await db
      .insertInto('blocks')
      .values({ user_id: userId, blocked_id: blockedId, created_at: now.toISOString() })
      .onConflict((oc) => oc.columns(['user_id', 'blocked_id']).doNothing())
      .execute();
    return;
  }
  await db.deleteFrom('blocks').where('user_id', '=', userId).where('blocked_id', '=', blockedId).execute();
}

export async function listBlocked(db: Db, userId: string): Promise<User[]> {
  return db
    .selectFrom('blocks')
    .innerJoin('users', 'users.id', 'blocks.blocked_id')
    .select(['users.id', 'users.username'])
    .where('blocks.user_id', '=', userId)
    .orderBy('users.username_lower')
    .execute();
}
