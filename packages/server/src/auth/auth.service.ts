import { hash, randomBytes, randomUUID } from 'node:crypto';
import {
  RefusalReason,
  type AuthResult,
  type Credentials,
  type InviteInfo,
  type Registration,
  type RegistrationMode,
  type SessionInfo,
  type User,
} from '@parley/protocol';
import type { Db } from '../db/database.js';
import { isUniqueViolation } from '../db/database.js';
import { CoherentCache } from '../db/coherent-cache.js';
import { AppError } from '../errors.js';
import type { EnforcedLimit } from '../limits/refusals.js';
import type { PasswordHasher } from './passwords.js';
import * as store from './auth.store.js';
import * as invites from './invites.store.js';
import * as sessions from './sessions.store.js';
import type { LoginThrottle } from './login-throttle.js';

/** Where a sign-in comes from: kept with the session so that its owner can tell it apart. */
export interface ClientInfo {
  ip: string;
  userAgent?: string;
}

/** A live session's user, with what the session routes need. */
export type SessionUser = store.SessionUser;

export interface UserSummary extends User {
  isAdmin: boolean;
  disabled: boolean;
  createdAt: string;
  sessions: number;
}

export interface AuthService {
  register(registration: Registration, client: ClientInfo | string): Promise<AuthResult>;
  login(credentials: Credentials, client: ClientInfo | string): Promise<AuthResult>;
  logout(token: string): Promise<void>;
  /** The user a session token belongs to, or undefined when it is unknown, expired or disabled. */
  authenticate(token: string): Promise<User | undefined>;
  /** Like authenticate, with the session's id and the user's role. */
  session(token: string): Promise<SessionUser | undefined>;
  findUser(username: string): Promise<User | undefined>;
  findUserById(id: string): Promise<User | undefined>;
  /** Deletes sessions past their expiry (they already no longer authenticate); answers their token hashes. */
  sweepExpiredSessions(): Promise<string[]>;
  /** When the next session expires, if any session exists. */
  nextSessionExpiry(): Promise<Date | undefined>;
  /** The caller's live sessions, the current one marked. */
  listSessions(user: SessionUser): Promise<SessionInfo[]>;
  /** Ends one of the user's sessions; answers its token hash (to disconnect), undefined if not theirs. */
  endSession(userId: string, sessionId: string): Promise<string | undefined>;
  /** Which of these token hashes still name a session. */
  liveSessions(tokenHashes: string[]): Promise<Set<string>>;
  registrationMode: RegistrationMode;
  sessionTtlMs: number;

  // Administration (the admin command, and administrators over HTTP for invites).
  createUser(input: { username: string; password: string; isAdmin?: boolean }): Promise<User>;
  /** Sets a new password and ends every session of the user; answers their token hashes. */
  resetPassword(username: string, password: string): Promise<string[]>;
  /** Disables the account and ends its sessions; answers their token hashes. */
  disableUser(username: string): Promise<string[]>;
  listUsers(): Promise<UserSummary[]>;
  countUsers(): Promise<number>;
  createInvite(input: { maxUses?: number; expiresInHours?: number; createdBy?: string }): Promise<InviteInfo>;
}

/** Only a hash of each token is stored: a copy of the database does not let anyone sign in. */
export function hashToken(token: string): string {
  // The one-shot form: every handshake and HTTP request hashes its token, and createHash's
  // object cost 4 × as much (issue 17, reconnect storm).
  return hash('sha256', token, 'base64url');
}

export interface AuthServiceDeps {
  db: Db;
  throttle: LoginThrottle;
  /** Registrations per address. */
  registrations: EnforcedLimit;
  passwords: PasswordHasher;
  sessionTtlDays: number;
  /** REGISTRATION: who may create an account (default open). */
  registrationMode?: RegistrationMode;
  /** The database's change counter for other processes (SQLite); without it no session is cached. */
  changesByOthers?: () => number;
}

/** A session as the cache keeps it: its user (replaced when last-seen moves) and its expiry. */
interface CachedSession {
  user: SessionUser;
  expiresAtMs: number;
}

/** Sessions kept in memory at most (measured ~1.3 KiB each, so <= ~26 MiB): past it, the oldest go. */
const SESSION_CACHE_MAX = 20_000;

/** last_seen_at is written at most this often per session (it is read on every request). */
const LAST_SEEN_EVERY_MS = 60_000;
const DEFAULT_INVITE_HOURS = 7 * 24;

const asClient = (client: ClientInfo | string): ClientInfo => (typeof client === 'string' ? { ip: client } : client);
const forbidden = (reason: RefusalReason, message: string) => new AppError('FORBIDDEN', message, undefined, reason);

export function createAuthService(deps: AuthServiceDeps): AuthService {
  const { db, throttle, passwords } = deps;
  const sessionTtlMs = deps.sessionTtlDays * 24 * 3600 * 1000;
  const registrationMode = deps.registrationMode ?? 'open';
  /**
   * Issue 17: the session behind each token, so that a client's reconnections (and every HTTP
   * request) do not read it again. Never stale: see CoherentCache; on PostgreSQL it is off.
   */
  const cache = new CoherentCache<CachedSession>(deps.changesByOthers, SESSION_CACHE_MAX);
  const forgetUser = (userId: string) => () => cache.deleteWhere((live) => live.user.id === userId);

  async function startSession(user: User, client: ClientInfo): Promise<AuthResult> {
    const token = randomBytes(32).toString('base64url');
    const now = new Date();
    await store.insertSession(
      db,
      {
        tokenHash: hashToken(token),
        id: randomUUID(),
        userId: user.id,
        expiresAt: new Date(now.getTime() + sessionTtlMs),
        userAgent: (client.userAgent ?? '').slice(0, 256),
        address: client.ip,
      },
      now,
    );
    return { user, token };
  }

  /** Refuses a registration the mode does not allow, before the password is hashed. */
  async function checkInvite(inviteCode: string | undefined): Promise<void> {
    if (registrationMode === 'closed') {
      throw forbidden(RefusalReason.registrationClosed, 'registration is closed; an administrator creates accounts');
    }
    if (registrationMode === 'open') return;
    if (inviteCode === undefined) throw forbidden(RefusalReason.inviteRequired, 'an invite code is required');
    const invite = await invites.findInvite(db, hashToken(inviteCode), new Date());
    if (!invite) throw forbidden(RefusalReason.inviteInvalid, 'no such invite code');
    if (invite.expired) throw forbidden(RefusalReason.inviteExpired, 'the invite code has expired');
    if (invite.usesLeft <= 0) throw forbidden(RefusalReason.inviteUsedUp, 'the invite code has been used');
  }

  async function insertNewUser(user: User, passwordHash: string, isAdmin: boolean, trx: Db): Promise<void> {
    try {
      await store.insertUser(trx, { ...user, passwordHash, isAdmin }, new Date());
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new AppError('CONFLICT', 'username is taken', undefined, RefusalReason.usernameTaken);
      }
      throw error;
    }
  }

  async function findOrFail(username: string): Promise<store.StoredUser> {
    const found = await store.findUserByUsername(db, username);
    if (!found) throw new AppError('NOT_FOUND', `no user named ${username}`);
    return found;
  }

  return {
    sessionTtlMs,
    registrationMode,
    async register({ username, password, inviteCode }, rawClient) {
      const client = asClient(rawClient);
      await deps.registrations.consume(client.ip);
      await checkInvite(inviteCode);
      const user = { id: randomUUID(), username };
      const passwordHash = await passwords.hash(password);
      // The invite's use and the account are one transaction: a taken username gives the use back.
      await db.transaction().execute(async (trx) => {
        if (registrationMode === 'invite' && inviteCode !== undefined) {
          if (!(await invites.takeInviteUse(trx, hashToken(inviteCode), new Date()))) {
            throw forbidden(RefusalReason.inviteUsedUp, 'the invite code has been used');
          }
        }
        await insertNewUser(user, passwordHash, false, trx);
      });
      return startSession(user, client);
    },

    async login({ username, password }, rawClient) {
      const client = asClient(rawClient);
      await throttle.check(username, client.ip);
      const found = await store.findUserByUsername(db, username);
      const valid = await passwords.verify(found?.passwordHash, password);
      if (!found || !valid) {
        await throttle.recordFailure(username, client.ip);
        throw new AppError('UNAUTHORIZED', 'wrong username or password');
      }
      await throttle.recordSuccess(username, client.ip);
      // Told only to someone who knows the password: it says nothing to a guesser.
      if (found.disabled) {
        throw new AppError('UNAUTHORIZED', 'this account is disabled', undefined, RefusalReason.accountDisabled);
      }
      return startSession({ id: found.id, username: found.username }, client);
    },

    async logout(token) {
      const tokenHash = hashToken(token);
      await cache.around(
        () => cache.delete(tokenHash),
        () => store.deleteSession(db, tokenHash),
      );
    },

    async findUser(username) {
      const found = await store.findUserByUsername(db, username);
      return found && { id: found.id, username: found.username };
    },

    findUserById: (id) => store.findUserById(db, id),

    // A cached session carries its expiry and is not used past it: the sweep needs no part here.
    sweepExpiredSessions: () => store.deleteExpiredSessions(db, new Date()),

    nextSessionExpiry: () => store.nextSessionExpiry(db),

    async session(token) {
      if (token.length === 0 || token.length > 128) return undefined;
      const tokenHash = hashToken(token);
      const now = new Date();
      let live = cache.get(tokenHash);
      if (live && now.getTime() >= live.expiresAtMs) live = undefined;
      if (!live) {
        const generation = cache.generation;
        const found = await store.findSessionUser(db, tokenHash, now);
        if (!found) return undefined;
        live = { user: found.user, expiresAtMs: Date.parse(found.expiresAt) };
        cache.set(tokenHash, live, generation);
      }
      const { lastSeenAt } = live.user;
      if (lastSeenAt === null || now.getTime() - Date.parse(lastSeenAt) > LAST_SEEN_EVERY_MS) {
        // Best effort: a failed write only makes "last seen" older.
        void sessions.touchSession(db, tokenHash, now).catch(() => undefined);
        // The cached copy is replaced, never changed: a caller may hold the old one.
        live.user = { ...live.user, lastSeenAt: now.toISOString() };
      }
      return live.user;
    },

    async authenticate(token) {
      const found = await this.session(token);
      // Only the public fields: this user object is sent to others (message senders, members).
      return found && { id: found.id, username: found.username };
    },

    async listSessions(user) {
      const rows = await sessions.listSessions(db, user.id, new Date());
      return rows.map((row) => ({
        id: row.id,
        device: row.userAgent,
        address: row.address,
        createdAt: row.createdAt,
        lastSeenAt: row.lastSeenAt,
        current: row.id === user.sessionId,
      }));
    },

    endSession: (userId, sessionId) =>
      cache.around(
        () => cache.deleteWhere((live) => live.user.id === userId && live.user.sessionId === sessionId),
        () => sessions.deleteUserSession(db, userId, sessionId),
      ),

    liveSessions: (tokenHashes) => sessions.existingSessions(db, tokenHashes),

    async createUser({ username, password, isAdmin = false }) {
      const user = { id: randomUUID(), username };
      const passwordHash = await passwords.hash(password);
      await insertNewUser(user, passwordHash, isAdmin, db);
      return user;
    },

    async resetPassword(username, password) {
      const found = await findOrFail(username);
      const passwordHash = await passwords.hash(password);
      return cache.around(forgetUser(found.id), () =>
        db.transaction().execute(async (trx) => {
          await trx.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', found.id).execute();
          return sessions.deleteAllSessions(trx, found.id);
        }),
      );
    },

    async disableUser(username) {
      const found = await findOrFail(username);
      return cache.around(forgetUser(found.id), () =>
        db.transaction().execute(async (trx) => {
          await trx
            .updateTable('users')
            .set({ disabled_at: new Date().toISOString() })
            .where('id', '=', found.id)
            .execute();
          return sessions.deleteAllSessions(trx, found.id);
        }),
      );
    },

    async listUsers() {
      const rows = await db
        .selectFrom('users')
        .leftJoin('sessions', 'sessions.user_id', 'users.id')
        .select((eb) => [
          'users.id',
          'users.username',
          'users.is_admin',
          'users.disabled_at',
          'users.created_at',
          eb.fn.count<number>('sessions.token_hash').as('sessions'),
        ])
        .groupBy(['users.id', 'users.username', 'users.is_admin', 'users.disabled_at', 'users.created_at'])
        .orderBy('users.created_at')
        .execute();
      return rows.map((row) => ({
        id: row.id,
        username: row.username,
        isAdmin: row.is_admin === 1,
        disabled: row.disabled_at !== null,
        createdAt: row.created_at,
        sessions: Number(row.sessions),
      }));
    },

    async countUsers() {
      const row = await db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },

    async createInvite({ maxUses = 1, expiresInHours = DEFAULT_INVITE_HOURS, createdBy }) {
      // 16 random bytes: not guessable within the registration throttle's budget.
      const code = randomBytes(16).toString('base64url');
      const now = new Date();
      const expiresAt = new Date(now.getTime() + expiresInHours * 3600_000);
      await invites.insertInvite(
        db,
        { codeHash: hashToken(code), maxUses, createdBy: createdBy ?? null, expiresAt },
        now,
      );
      return { code, maxUses, expiresAt: expiresAt.toISOString() };
    },
  };
}
