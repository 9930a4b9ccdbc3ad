import { hash, verify } from '@node-rs/argon2';
import type { Refusals } from '../limits/refusals.js';
import { GateFull, createWorkGate, type WorkGate, type WorkGateOptions } from '../limits/work-gate.js';

// argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane).
const ARGON2_OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/**
 * A fixed hash to verify against when the user does not exist, so that an unknown username
 * takes as long as a wrong password and the two cannot be told apart by timing.
 */
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword('parley-timing-equaliser');
  return dummyHash;
}

/** Password hashing and checking with a cap on the argon2 work in flight. */
export interface PasswordHasher {
  /** For a registration: such work may hold at most half the slots. */
  hash(password: string): Promise<string>;
  /** For a sign-in; `passwordHash` undefined checks against the dummy hash (unknown user). */
  verify(passwordHash: string | undefined, password: string): Promise<boolean>;
}

/**
 * argon2 runs on libuv's thread pool, which file and DNS work share. Every hash and verify takes
 * a slot of one gate; registrations first take a slot of a second gate half its size, so that a
 * registration flood leaves sign-ins at least half the slots. Past the bounded wait the request is
 * answered UNAVAILABLE with retryAfterMs instead of queueing without end.
 */
export function createPasswordHasher(deps: {
  options: WorkGateOptions;
  refusals: Refusals;
  /** The argon2 calls themselves; a test wraps them to count how many run at once. */
  argon2?: { hash: typeof hashPassword; verify: typeof verifyPassword };
}): PasswordHasher & { readonly gate: WorkGate } {
  const { options, refusals } = deps;
  const argon2 = deps.argon2 ?? { hash: hashPassword, verify: verifyPassword };
  const gate = createWorkGate(options);
  const registrations = createWorkGate({
    ...options,
    maxRunning: Math.ceil(options.maxRunning / 2),
    maxWaiting: Math.ceil(options.maxWaiting / 2),
  });

  async function guarded<T>(kind: 'register' | 'login', work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof GateFull)) throw error;
      throw refusals.refuse('argon2', {
        key: kind,
        code: 'UNAVAILABLE',
        retryAfterMs: error.retryAfterMs,
        message: 'too many sign-ins and registrations at once; retry',
      });
    }
  }

  return {
    gate,
    hash: (password) => guarded('register', () => registrations.run(() => gate.run(() => argon2.hash(password)))),
    async verify(passwordHash, password) {
      const against = passwordHash ?? (await dummyPasswordHash());
      return guarded('login', () => gate.run(() => argon2.verify(against, password)));
    },
  };
}
