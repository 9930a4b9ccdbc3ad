import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type IRateLimiterStoreOptions,
} from 'rate-limiter-flexible';
import type { RedisLink } from '../realtime/redis-adapter.js';

/**
 * One limit (N points per window per key), cluster-wide when Redis is configured. Built on
 * rate-limiter-flexible (DESIGN.md: one library for every limit). While Redis is down or not
 * ready, each instance falls back to its own in-memory count of the same limit, so a limit
 * never blocks everyone and never lets everything through: during an outage it is at most
 * "instances × points" per window.
 */
export interface Limiter {
  /** Takes `points` for `key`: 0 when allowed, else milliseconds until it would be. */
  take(key: string, points?: number): Promise<number>;
  /** Milliseconds until `key` may take one point, without taking it (0 when it may now). */
  peek(key: string): Promise<number>;
  /** Gives points back (e.g. a connection that closed, a login that succeeded). */
  give(key: string, points?: number): Promise<void>;
  /** Forgets `key` altogether. */
  reset(key: string): Promise<void>;
}

export interface LimitOptions {
  points: number;
  durationSeconds: number;
  /** Once over the limit, refuse for this long (defaults to the rest of the window). */
  blockSeconds?: number;
}

export interface LimiterFactory {
  create(name: string, options: LimitOptions): Limiter;
}

export function createLimiterFactory(redis?: RedisLink): LimiterFactory {
  return {
    create(name, options) {
      const base = {
        keyPrefix: `${redis?.prefix ?? 'parley'}:limit:${name}`,
        points: options.points,
        duration: options.durationSeconds,
        blockDuration: options.blockSeconds ?? 0,
      };
      const memory = new RateLimiterMemory(base);
      if (!redis) return wrap(memory);
      // Both are read by the library (RateLimiterRedis.js) but missing from its types.
      const storeOptions: IRateLimiterStoreOptions & { useRedisPackage: boolean; rejectIfRedisNotReady: boolean } = {
        ...base,
        storeClient: redis.client,
        useRedisPackage: true,
        rejectIfRedisNotReady: true,
        insuranceLimiter: memory,
      };
      return wrap(new RateLimiterRedis(storeOptions));
    },
  };
}

function wrap(limiter: RateLimiterMemory | RateLimiterRedis): Limiter {
  return {
    async take(key, points = 1) {
      try {
        await limiter.consume(key, points);
        return 0;
      } catch (refusal) {
        if (refusal instanceof RateLimiterRes) return Math.max(1, refusal.msBeforeNext);
        throw refusal;
      }
    },
    async peek(key) {
      const state = await limiter.get(key);
      if (!state || state.remainingPoints > 0) return 0;
      return Math.max(1, state.msBeforeNext);
    },
    async give(key, points = 1) {
      await limiter.reward(key, points);
    },
    async reset(key) {
      await limiter.delete(key);
    },
  };
}
