import type { LimiterFactory } from '../limits/limiter.js';
import { enforce, type Refusals } from '../limits/refusals.js';

/**
 * Slows password guessing without letting anyone lock another person out: failures count per
 * (username, address) and per address, never per username alone, so ten wrong passwords from
 * one address do not stop the right password from another. Cluster-wide on Redis.
 */
export interface LoginThrottle {
  /** Throws RATE_LIMITED (with retryAfterMs) when this address, or this name from it, failed too often. */
  check(username: string, address: string): Promise<void>;
  recordFailure(username: string, address: string): Promise<void>;
  /** Forgets this name's failures from this address (the address's own count stays). */
  recordSuccess(username: string, address: string): Promise<void>;
}

export interface LoginThrottleOptions {
  /** Failed sign-ins for one username from one address in the window. */
  maxFailures: number;
  /** Failed sign-ins from one address, whatever the usernames, in the window. */
  maxFailuresPerAddress: number;
  windowSeconds: number;
}

export function createLoginThrottle(
  deps: { limiters: LimiterFactory; refusals: Refusals },
  options: LoginThrottleOptions,
): LoginThrottle {
  const failuresPer = (name: string, points: number) =>
    enforce(
      name,
      deps.limiters.create(name, { points, durationSeconds: options.windowSeconds }),
      deps.refusals,
      'too many failed sign-in attempts',
    );
  const perName = failuresPer('login-username-address', options.maxFailures);
  const perAddress = failuresPer('login-address', options.maxFailuresPerAddress);
  const nameKey = (username: string, address: string) => `${address} ${username.toLowerCase()}`;

  return {
    async check(username, address) {
      await perAddress.check(address);
      await perName.check(nameKey(username, address));
    },
    async recordFailure(username, address) {
      // Both count even when one is already over: the failure happened.
      await Promise.all([perAddress.limiter.take(address), perName.limiter.take(nameKey(username, address))]);
    },
    async recordSuccess(username, address) {
      await perName.limiter.reset(nameKey(username, address));
    },
  };
}
