import type { User } from '@parley/protocol';
import type { Db } from '../db/database.js';

export type RequestDecision = 'accepted' | 'ignored';

/** Keeps the user's latest answer to `peerId`'s message request (a later answer replaces it). */
export async function saveDecision(
  db: Db,
  userId: string,
  peerId: string,
  decision: RequestDecision,
  now: Date,
): Promise<void> {
  await db
    .insertInto('dm_request_decisions')
    .values({ user_id: userId, peer_id: peerId, decision, decided_at: now.toISOString() })
    .onConflict((oc) => oc.columns(['user_id', 'peer_id']).doUpdateSet({ decision, decided_at: now.toISOString() }))
    .execute();
}

export async function findDecision(db: Db, userId: string, peerId: string): Promise<RequestDecision | undefined> {
  const row = await db
    .selectFrom('dm_request_decisions')
    .select('decision')
    .where('user_id', '=', userId)
    .where('peer_id', '=', peerId)
    .executeTakeFirst();
  return row?.decision;
}

export async function listDecisions(db: Db, userId: string): Promise<{ accepted: User[]; ignored: User[] }> {
  const rows = await db
    .selectFrom('dm_request_decisions as d')
    .innerJoin('users as u', 'u.id', 'd.peer_id')
    .select(['u.id', 'u.username', 'd.decision'])
    .where('d.user_id', '=', userId)
    .orderBy('u.username_lower')
    .execute();
  const users = (decision: RequestDecision) =>
    rows.filter((r) => r.decision === decision).map((r) => ({ id: r.id, username: r.username }));
  return { accepted: users('accepted'), ignored: users('ignored') };
}
