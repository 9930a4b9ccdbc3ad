import type { User } from '@parley/protocol';
import type { Db } from '../db/database.js';
import { readFirst } from '../db/sqlite-statements.js';

export interface StoredUser extends User {
  passwordHash: string;
  isAdmin: boolean;
  disabled: boolean;
}

export async function insertUser(
  db: Db,
  user: User & { passwordHash: string; isAdmin?: boolean },
  now: Date,
): Promise<void> {
  await db
    .insertInto('users')
    .values({
      id: user.id,
      username: user.username,
      username_lower: user.username.toLowerCase(),
      password_hash: user.passwordHash,
      created_at: now.toISOString(),
      is_admin: user.isAdmin ? 1 : 0,
    })
    .execute();
}

export async function findUserByUsername(db: Db, username: string): Promise<StoredUser | undefined> {
  const row = await db
    .selectFrom('users')
    .select(['id', 'username', 'password_hash', 'is_admin', 'disabled_at'])
    .where('username_lower', '=', username.toLowerCase())
    .executeTakeFirst();
  return (
    row && {
      id: row.id,
      username: row.username,
      passwordHash: row.password_hash,
      isAdmin: row.is_admin === 1,
      disabled: row.disabled_at !== null,
    }
  );
}

export interface NewSession {
  tokenHash: string;
  /** Random, shown to the user; never derived from the token. */
  id: string;
  userId: string;
  expiresAt: Date;
  userAgent: string;
  address: string;
}

export async function insertSession(db: Db, session: NewSession, now: Date): Promise<void> {
  await db
    .insertInto('sessions')
    .values({
      token_hash: session.tokenHash,
      id: session.id,
      user_id: session.userId,
      created_at: now.toISOString(),
      expires_at: session.expiresAt.toISOString(),
      user_agent: session.userAgent,
      address: session.address,
      last_seen_at: now.toISOString(),
    })
    .execute();
}

export interface SessionUser extends User {
  isAdmin: boolean;
  sessionId: string;
  lastSeenAt: string | null;
}

/** The signed-in user of a live session; a disabled account has none. */
const FIND_SESSION_USER_SQL =
  'select users.id, users.username, users.is_admin, sessions.id as session_id, sessions.last_seen_at, sessions.expires_at ' +
  'from sessions inner join users on users.id = sessions.user_id ' +
  'where sessions.token_hash = ? and sessions.expires_at > ? and users.disabled_at is null';

interface SessionUserRow {
  id: string;
  username: string;
  is_admin: number;
  session_id: string;
  last_seen_at: string | null;
  expires_at: string;
}

/** A live session's user, and until when the session lives. */
export interface LiveSession {
  user: SessionUser;
  expiresAt: string;
}

export async function findSessionUser(db: Db, tokenHash: string, now: Date): Promise<LiveSession | undefined> {
  // Every handshake runs this: on SQLite, one kept statement (issue 17).
  const row = await readFirst<SessionUserRow>(db, FIND_SESSION_USER_SQL, [tokenHash, now.toISOString()], () =>
    findSessionUserRow(db, tokenHash, now),
  );
  return (
    row && {
      user: {
        id: row.id,
        username: row.username,
        isAdmin: row.is_admin === 1,
        sessionId: row.session_id,
        lastSeenAt: row.last_seen_at,
      },
      expiresAt: row.expires_at,
    }
  );
}

function findSessionUserRow(db: Db, tokenHash: string, now: Date): Promise<SessionUserRow | undefined> {
  return db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'users.id',
      'users.username',
      'users.is_admin',
      'sessions.id as session_id',
      'sessions.last_seen_at',
      'sessions.expires_at',
    ])
    .where('sessions.token_hash', '=', tokenHash)
    .where('sessions.expires_at', '>', now.toISOString())
    .where('users.disabled_at', 'is', null)
    .executeTakeFirst();
}

export async function deleteSession(db: Db, tokenHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
}

/** Deletes the sessions past their expiry and answers their token hashes. */
export async function deleteExpiredSessions(db: Db, now: Date): Promise<string[]> {
  const rows = await db
    .deleteFrom('sessions')
    .where('expires_at', '<=', now.toISOString())
    .returning('token_hash')
    .execute();
  return rows.map((row) => row.token_hash);
}

/** When the next session expires (the earliest expiry of any session), if there is one. */
export async function nextSessionExpiry(db: Db): Promise<Date | undefined> {
  const row = await db
    .selectFrom('sessions')
    .select((eb) => eb.fn.min('expires_at').as('next'))
    .executeTakeFirst();
  return row?.next ? new Date(row.next) : undefined;
}

export async function findUserById(db: Db, id: string): Promise<User | undefined> {
  // Every presence announcement (a reconnect storm brings thousands): a kept statement (issue 17).
  return readFirst<User>(db, 'select id, username from users where id = ?', [id], () =>
    db.selectFrom('users').select(['id', 'username']).where('id', '=', id).executeTakeFirst(),
  );
}
