import type { Db } from '../db/database.js';

export async function savePublicKey(db: Db, userId: string, publicKey: string, now: Date): Promise<void> {
  await db
    .insertInto('public_keys')
    .values({ user_id: userId, public_key: publicKey, updated_at: now.toISOString() })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ public_key: publicKey, updated_at: now.toISOString() }))
    .execute();
}

export async function findPublicKey(db: Db, userId: string): Promise<string | undefined> {
  const row = await db.selectFrom('public_keys').select('public_key').where('user_id', '=', userId).executeTakeFirst();
  return row?.public_key;
}
