import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { AuthResult, Credentials, User } from '@parley/protocol';
import type { Db } from '../db/database.js';
import { isUniqueViolation } from '../db/database.js';
import { AppError } from '../errors.js';
import { dummyPasswordHash, hashPassword, verifyPassword } from './passwords.js';
import * as store from './auth.store.js';
import type { LoginThrottle } from './login-throttle.js';

export interface AuthService {
  register(credentials: Credentials): Promise<AuthResult>;
  login(credentials: Credentials, clientIp: string): Promise<AuthResult>;
  logout(token: string): Promise<void>;
  /** The user a session token belongs to, or undefined when it is unknown or expired. */
  authenticate(token: string): Promise<User | undefined>;
  findUser(username: string): Promise<User | undefined>;
  findUserById(id: string): Promise<User | undefined>;
  /** Deletes sessions past their expiry (they already no longer authenticate); answers their token hashes. */
  sweepExpiredSessions(): Promise<string[]>;
  /** When the next session expires, if any session exists. */
  nextSessionExpiry(): Promise<Date | undefined>;
  sessionTtlMs: number;
}

/** Only a hash of each token is stored: a copy of the database does not let anyone sign in. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export function createAuthService(deps: { db: Db; throttle: LoginThrottle; sessionTtlDays: number }): AuthService {
  const { db, throttle } = deps;
  const sessionTtlMs = deps.sessionTtlDays * 24 * 3600 * 1000;

  async function startSession(user: User): Promise<AuthResult> {
    const token = randomBytes(32).toString('base64url');
    const now = new Date();
    await store.insertSession(
      db,
      { tokenHash: hashToken(token), userId: user.id, expiresAt: new Date(now.getTime() + sessionTtlMs) },
      now,
    );
    return { user, token };
  }

  return {
    sessionTtlMs,
    async register({ username, password }) {
      const user = { id: randomUUID(), username };
      const passwordHash = await hashPassword(password);
      try {
        await store.insertUser(db, { ...user, passwordHash }, new Date());
      } catch (error) {
        if (isUniqueViolation(error)) throw new AppError('CONFLICT', 'username is taken');
        throw error;
      }
      return startSession(user);
    },

    async login({ username, password }, clientIp) {
      const keys = [`user:${username.toLowerCase()}`, `ip:${clientIp}`];
      const wait = throttle.retryAfterMs(keys, Date.now());
      if (wait > 0) throw new AppError('RATE_LIMITED', 'too many failed sign-in attempts', wait);
      const found = await store.findUserByUsername(db, username);
      const valid = await verifyPassword(found?.passwordHash ?? (await dummyPasswordHash()), password);
      if (!found || !valid) {
        throttle.recordFailure(keys, Date.now());
        throw new AppError('UNAUTHORIZED', 'wrong username or password');
      }
      throttle.recordSuccess(keys);
      return startSession({ id: found.id, username: found.username });
    },

    async logout(token) {
      await store.deleteSession(db, hashToken(token));
    },

    async findUser(username) {
      const found = await store.findUserByUsername(db, username);
      return found && { id: found.id, username: found.username };
    },

    findUserById: (id) => store.findUserById(db, id),

    sweepExpiredSessions: () => store.deleteExpiredSessions(db, new Date()),

    nextSessionExpiry: () => store.nextSessionExpiry(db),

    async authenticate(token) {
      if (token.length === 0 || token.length > 128) return undefined;
      return store.findSessionUser(db, hashToken(token), new Date());
    },
  };
}
