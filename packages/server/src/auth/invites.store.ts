import type { Db } from '../db/database.js';

export interface NewInvite {
  codeHash: string;
  maxUses: number;
  createdBy: string | null;
  expiresAt: Date;
}

export async function insertInvite(db: Db, invite: NewInvite, now: Date): Promise<void> {
  await db
    .insertInto('invites')
    .values({
      code_hash: invite.codeHash,
      max_uses: invite.maxUses,
      uses: 0,
      created_by: invite.createdBy,
      created_at: now.toISOString(),
      expires_at: invite.expiresAt.toISOString(),
    })
    .execute();
}

export interface InviteState {
  usesLeft: number;
  expired: boolean;
}

export async function findInvite(db: Db, codeHash: string, now: Date): Promise<InviteState | undefined> {
  const row = await db
    .selectFrom('invites')
    .select(['max_uses', 'uses', 'expires_at'])
    .where('code_hash', '=', codeHash)
    .executeTakeFirst();
  return row && { usesLeft: row.max_uses - row.uses, expired: row.expires_at <= now.toISOString() };
}

/**
 * Takes one use of the invite if it has one left and has not expired; answers whether it did.
 * One conditional UPDATE: two registrations racing for the last use cannot both get it.
 */
export async function takeInviteUse(db: Db, codeHash: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('invites')
    .set((eb) => ({ uses: eb('uses', '+', 1) }))
    .where('code_hash', '=', codeHash)
    .where((eb) => eb('uses', '<', eb.ref('max_uses')))
    .where('expires_at', '>', now.toISOString())
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
