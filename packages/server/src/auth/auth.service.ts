import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { AuthResult, Credentials, User } from '@parley/protocol';
import type { Db } from '../db/database.js';
import { isUniqueViolation } from '../db/database.js';
import { AppError } from '../errors.js';
import type { EnforcedLimit } from '../limits/refusals.js';
import type { PasswordHasher } from './passwords.js';
import * as store from './auth.store.js';
import type { LoginThrottle } from './login-throttle.js';

export interface AuthService {
  register(credentials: Credentials, clientIp: string): Promise<AuthResult>;
  login(credentials: Credentials, clientIp: string): Promise<AuthResult>;
  logout(token: string): Promise<void>;
  /** The user a session token belongs to, or undefined when it is unknown or expired. */
  authenticate(token: string): Promise<User | undefined>;
  findUser(username: string): Promise<User | undefined>;
  findUserById(id: string): Promise<User | undefined>;
  /** Deletes sessions past their expiry (they already no longer authenticate). */
  sweepExpiredSessions(): Promise<void>;
  sessionTtlMs: number;
}

/** Only a hash of each token is stored: a copy of the database does not let anyone sign in. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export interface AuthServiceDeps {
  db: Db;
  throttle: LoginThrottle;
  /** Registrations per address. */
  registrations: EnforcedLimit;
  passwords: PasswordHasher;
  sessionTtlDays: number;
}

export function createAuthService(deps: AuthServiceDeps): AuthService {
  const { db, throttle, passwords } = deps;
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
    async register({ username, password }, clientIp) {
      await deps.registrations.consume(clientIp);
      const user = { id: randomUUID(), username };
      const passwordHash = await passwords.hash(password);
      try {
        await store.insertUser(db, { ...user, passwordHash }, new Date());
      } catch (error) {
        if (isUniqueViolation(error)) throw new AppError('CONFLICT', 'username is taken');
        throw error;
      }
      return startSession(user);
    },

    async login({ username, password }, clientIp) {
      await throttle.check(username, clientIp);
      const found = await store.findUserByUsername(db, username);
      const valid = await passwords.verify(found?.passwordHash, password);
      if (!found || !valid) {
        await throttle.recordFailure(username, clientIp);
        throw new AppError('UNAUTHORIZED', 'wrong username or password');
      }
      await throttle.recordSuccess(username, clientIp);
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

    async authenticate(token) {
      if (token.length === 0 || token.length > 128) return undefined;
      return store.findSessionUser(db, hashToken(token), new Date());
    },
  };
}
