import type { Db } from '../db/database.js';

export async function savePublicKey(db: Db, userId: string, publicKey: string, now: Date): Promise<void> {
  await db
    .insertInto('public_keys')
    .values({ user_id: userId, public_key: publicKey, updated_at: now.toISOString() })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ public_key: publicKey, updated_at: now.toISOString() }))
    .execute();
}

/**
 * The key of the user called `username`, in one query, so that an unknown user and a user
 * without a key are told apart neither by the answer nor by its timing (account enumeration).
 */
export async function findPublicKeyByUsername(db: Db, username: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('users')
    .innerJoin('public_keys', 'public_keys.user_id', 'users.id')
    .select('public_keys.public_key')
    .where('users.username_lower', '=', username.toLowerCase())
    .executeTakeFirst();
  return row?.public_key;
}
