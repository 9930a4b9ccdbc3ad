import type { ErrorCode } from '@parley/protocol';
import { AppError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Limiter } from './limiter.js';
import { createWarnOnce } from './warn-once.js';

/**
 * What every abuse limit does when it refuses: counts it in `/metrics` by limit, logs it at warn
 * level (the first refusal per limit and key each minute, so that a flood cannot flood the log
 * too) and hands back the error the client gets.
 */
export interface Refusals {
  refuse(limit: string, refusal: { key: string; retryAfterMs: number; message: string; code?: ErrorCode }): AppError;
}

export function createRefusals(deps: { metrics: Metrics; log: Logger }): Refusals {
  // Log suppression is per instance on purpose: each instance says once a minute what it refused.
  const warnOnce = createWarnOnce(deps.log);
  return {
    refuse(limit, { key, retryAfterMs, message, code = 'RATE_LIMITED' }) {
      deps.metrics.limitRefusals.labels(limit).inc();
      warnOnce(`${limit} ${key}`, { limit, key, code, retryAfterMs }, 'abuse limit refused a request');
      return new AppError(code, message, retryAfterMs);
    },
  };
}

/** A limiter whose refusal throws the protocol's error, counted and logged. */
export interface EnforcedLimit {
  /** Takes `points` for `key`, or throws RATE_LIMITED with retryAfterMs. */
  consume(key: string, points?: number): Promise<void>;
  /** Throws as consume would, without taking a point. */
  check(key: string): Promise<void>;
  readonly limiter: Limiter;
}

export function enforce(limit: string, limiter: Limiter, refusals: Refusals, message: string): EnforcedLimit {
  const refuse = (key: string, retryAfterMs: number) => refusals.refuse(limit, { key, retryAfterMs, message });
  return {
    limiter,
    async consume(key, points = 1) {
      const wait = await limiter.take(key, points);
      if (wait > 0) throw refuse(key, wait);
    },
    async check(key) {
      const wait = await limiter.peek(key);
      if (wait > 0) throw refuse(key, wait);
    },
  };
}
