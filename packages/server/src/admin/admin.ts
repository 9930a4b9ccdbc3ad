import { Password, Username, parseWith } from '@parley/protocol';
import { createAuthService, type AuthService } from '../auth/auth.service.js';
import { createLoginThrottle } from '../auth/login-throttle.js';
import { createPasswordHasher } from '../auth/passwords.js';
import type { Config } from '../config.js';
import { openDatabase, type Database } from '../db/database.js';
import { createLimiterFactory } from '../limits/limiter.js';
import { createRefusals, enforce } from '../limits/refusals.js';
import type { Logger } from '../log.js';
import { createMetrics } from '../metrics.js';

/** What the admin command works on: the server's own database, through the auth service. */
export interface AdminContext {
  auth: AuthService;
  database: Database;
  close(): Promise<void>;
}

export async function openAdmin(config: Config, log: Logger): Promise<AdminContext> {
  const database = await openDatabase(config);
  const refusals = createRefusals({ metrics: createMetrics(), log });
  const limiters = createLimiterFactory();
  const auth = createAuthService({
    db: database.db,
    // The admin command signs nobody in: its throttles exist only because the service takes them.
    throttle: createLoginThrottle(
      { limiters, refusals },
      { maxFailures: 1, maxFailuresPerAddress: 1, windowSeconds: 1 },
    ),
    registrations: enforce('admin', limiters.create('admin', { points: 1, durationSeconds: 1 }), refusals, 'unused'),
    passwords: createPasswordHasher({ refusals, options: { maxRunning: 1, maxWaiting: 1, maxWaitMs: 60_000 } }),
    sessionTtlDays: config.sessionTtlDays,
    registrationMode: config.registration,
  });
  return { auth, database, close: () => database.close() };
}

export class UsageError extends Error {}

export function checkUsername(username: string | undefined): string {
  if (username === undefined) throw new UsageError('name the user');
  const parsed = parseWith(Username, username);
  if (!parsed.ok) throw new UsageError(`bad username: ${parsed.error.message}`);
  return parsed.value;
}

export function checkPassword(password: string): string {
  const parsed = parseWith(Password, password);
  if (!parsed.ok) throw new UsageError(`bad password: ${parsed.error.message}`);
  return parsed.value;
}

/** The password piped in: the whole of stdin, less one trailing newline (as `echo` adds). */
export async function readPasswordFromStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}
