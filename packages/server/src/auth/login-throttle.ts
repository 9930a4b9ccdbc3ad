/**
 * Counts failed logins per key (a username, an address) in a sliding window, so that password
 * guessing is slowed for one account and from one address. In-process: with several instances
 * each keeps its own count, which multiplies the allowance by the number of instances.
 */
export interface LoginThrottle {
  /** Milliseconds to wait before another attempt is allowed for any of the keys, or 0. */
  retryAfterMs(keys: string[], now: number): number;
  recordFailure(keys: string[], now: number): void;
  recordSuccess(keys: string[]): void;
}

export function createLoginThrottle(options: { maxFailures: number; windowMs: number }): LoginThrottle {
  const failures = new Map<string, number[]>();

  const recent = (key: string, now: number): number[] => {
    const kept = (failures.get(key) ?? []).filter((at) => now - at < options.windowMs);
    if (kept.length === 0) failures.delete(key);
    else failures.set(key, kept);
    return kept;
  };

  return {
    retryAfterMs(keys, now) {
      let wait = 0;
      for (const key of keys) {
        const times = recent(key, now);
        const limit = key.startsWith('ip:') ? options.maxFailures * 10 : options.maxFailures;
        const oldest = times[times.length - limit];
        if (times.length >= limit && oldest !== undefined) {
          wait = Math.max(wait, oldest + options.windowMs - now);
        }
      }
      return wait;
    },
    recordFailure(keys, now) {
      for (const key of keys) failures.set(key, [...recent(key, now), now]);
    },
    recordSuccess(keys) {
      for (const key of keys) if (!key.startsWith('ip:')) failures.delete(key);
    },
  };
}
