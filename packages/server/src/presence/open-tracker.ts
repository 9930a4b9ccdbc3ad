import type { RedisLink } from '../realtime/redis-adapter.js';
import { createRedisPresence } from './presence.redis-tracker.js';
import { createMemoryPresence, type PresenceTracker } from './presence.tracker.js';

export function openPresenceTracker(
  redis: RedisLink | undefined,
  timing: { graceMs: number; instanceTtlMs: number },
): PresenceTracker {
  return redis ? createRedisPresence(redis.client, redis.prefix, timing) : createMemoryPresence(timing);
}
