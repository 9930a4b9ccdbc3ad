import { describe, expect, it } from 'vitest';
import { createLogger } from '../log.js';
import { createRefusals } from '../limits/refusals.js';
import { createMetrics } from '../metrics.js';
import { AppError } from '../errors.js';
import { createPasswordHasher, hashPassword, verifyPassword } from './passwords.js';

/** Real argon2, counting how many calls run at once. */
function countingArgon2() {
  const seen = { running: 0, peak: 0, calls: 0 };
  const counted =
    <A extends unknown[], R>(work: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      seen.calls += 1;
      seen.running += 1;
      seen.peak = Math.max(seen.peak, seen.running);
      try {
        return await work(...args);
      } finally {
        seen.running -= 1;
      }
    };
  return { seen, argon2: { hash: counted(hashPassword), verify: counted(verifyPassword) } };
}

function hasher(options: { maxRunning: number; maxWaiting: number; maxWaitMs: number }) {
  const metrics = createMetrics();
  const { seen, argon2 } = countingArgon2();
  const passwords = createPasswordHasher({
    options,
    refusals: createRefusals({ metrics, log: createLogger('silent') }),
    argon2,
  });
  return { passwords, seen, metrics };
}

describe('the cap on argon2 work in flight', () => {
  it('never runs more hashes and verifies at once than the cap, however many are asked for', async () => {
    const { passwords, seen } = hasher({ maxRunning: 2, maxWaiting: 100, maxWaitMs: 60_000 });
    const stored = await passwords.hash('a password of sorts');
    const work = [
      ...Array.from({ length: 6 }, (_, i) => passwords.hash(`password number ${i}`)),
      ...Array.from({ length: 6 }, () => passwords.verify(stored, 'a password of sorts')),
    ];
    const results = await Promise.all(work);
    expect(results.slice(6)).toEqual([true, true, true, true, true, true]);
    expect(seen.calls).toBe(13);
    expect(seen.peak).toBe(2);
  });

  it('refuses past the waiting room with UNAVAILABLE and retryAfterMs, counted', async () => {
    const { passwords, seen, metrics } = hasher({ maxRunning: 2, maxWaiting: 2, maxWaitMs: 60_000 });
    // Registrations get half: one running, one waiting; the other six are refused at once.
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => passwords.hash(`pw-${i}-long`)));
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(2);
    expect(refused).toHaveLength(6);
    for (const error of refused) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).toBody()).toMatchObject({ code: 'UNAVAILABLE', retryAfterMs: 60_000 });
    }
    expect(seen.peak).toBe(1);
    expect((await metrics.limitRefusals.get()).values).toEqual([
      expect.objectContaining({ labels: { limit: 'argon2' }, value: 6 }),
    ]);
  });

  it('keeps half the slots for sign-ins while registrations flood', async () => {
    const { passwords, seen } = hasher({ maxRunning: 2, maxWaiting: 4, maxWaitMs: 60_000 });
    const stored = await hashPassword('the right one');
    const flood = Array.from({ length: 10 }, (_, i) => passwords.hash(`flood-${i}-pw`).catch(() => 'refused'));
    const signIns = Array.from({ length: 3 }, () => passwords.verify(stored, 'the right one'));
    expect(await Promise.all(signIns)).toEqual([true, true, true]);
    const flooded = await Promise.all(flood);
    // 1 running + 2 waiting registrations; 7 refused; every sign-in served.
    expect(flooded.filter((r) => r === 'refused')).toHaveLength(7);
    expect(seen.peak).toBe(2);
  });

  it('gives up waiting after maxWaitMs with UNAVAILABLE', async () => {
    const { passwords } = hasher({ maxRunning: 1, maxWaiting: 10, maxWaitMs: 1 });
    const outcomes = await Promise.allSettled([passwords.hash('first-pw-x'), passwords.hash('second-pw-x')]);
    expect(outcomes[0]?.status).toBe('fulfilled');
    expect(outcomes[1]).toMatchObject({ status: 'rejected', reason: { code: 'UNAVAILABLE' } });
  });
});
