import type { Db } from '../db/database.js';
import { writeNow } from '../db/sqlite-statements.js';

/** A session as its owner sees it (plus the hash, which only the server uses to disconnect it). */
export interface SessionRow {
  id: string;
  tokenHash: string;
  userAgent: string;
  address: string;
  createdAt: string;
  lastSeenAt: string;
}

export async function listSessions(db: Db, userId: string, now: Date): Promise<SessionRow[]> {
  const rows = await db
    .selectFrom('sessions')
    .select(['id', 'token_hash', 'user_agent', 'address', 'created_at', 'last_seen_at'])
    .where('user_id', '=', userId)
    .where('expires_at', '>', now.toISOString())
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    tokenHash: row.token_hash,
    userAgent: row.user_agent,
    address: row.address,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at ?? row.created_at,
  }));
}

/** Deletes one of the user's sessions; answers its token hash, or undefined when it is not theirs. */
export async function deleteUserSession(db: Db, userId: string, sessionId: string): Promise<string | undefined> {
  const row = await db
    .deleteFrom('sessions')
    .where('id', '=', sessionId)
    .where('user_id', '=', userId)
    .returning('token_hash')
    .executeTakeFirst();
  return row?.token_hash;
}

/** Deletes every session of the user; answers their token hashes. */
export async function deleteAllSessions(db: Db, userId: string): Promise<string[]> {
  const rows = await db.deleteFrom('sessions').where('user_id', '=', userId).returning('token_hash').execute();
  return rows.map((row) => row.token_hash);
}

export async function touchSession(db: Db, tokenHash: string, now: Date): Promise<void> {
  // Once a minute per session, on every kind of request: off Kysely's mutex on SQLite (issue 17).
  await writeNow(db, 'update sessions set last_seen_at = ? where token_hash = ?', [now.toISOString(), tokenHash], () =>
    db.updateTable('sessions').set({ last_seen_at: now.toISOString() }).where('token_hash', '=', tokenHash).execute(),
  );
}

/** Which of these token hashes still name a session (the others were ended elsewhere). */
export async function existingSessions(db: Db, tokenHashes: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < tokenHashes.length; i += 500) {
    const chunk = tokenHashes.slice(i, i + 500);
    const rows = await db.selectFrom('sessions').select('token_hash').where('token_hash', 'in', chunk).execute();
    for (const row of rows) found.add(row.token_hash);
  }
  return found;
}
