import type { Logger } from '../log.js';
import type { RedisLink } from '../realtime/redis-adapter.js';
import { createRedisPresence } from './presence.redis-tracker.js';
import { createMemoryPresence, type PresenceTracker } from './presence.tracker.js';

export function openPresenceTracker(
  redis: RedisLink | undefined,
  options: { graceMs: number; instanceTtlMs: number; log?: Pick<Logger, 'warn'> },
): PresenceTracker {
  const { log, ...timing } = options;
  return redis ? createRedisPresence(redis.client, redis.prefix, timing, log) : createMemoryPresence(timing);
}
