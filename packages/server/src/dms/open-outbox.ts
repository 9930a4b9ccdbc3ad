import type { Logger } from '../log.js';
import type { RedisLink } from '../realtime/redis-adapter.js';
import { createMemoryOutbox, type DmOutbox } from './dms.outbox.js';
import { createRedisOutbox, whyRedisPersists } from './dms.redis-outbox.js';

/** In-process without Redis; in Redis only when Redis keeps nothing on disk. */
export async function openOutbox(
  redis: RedisLink | undefined,
  log: Logger,
): Promise<{ outbox: DmOutbox | undefined; disabledReason?: string }> {
  if (!redis) return { outbox: createMemoryOutbox() };
  const persists = await whyRedisPersists(redis.client);
  if (persists) {
    const disabledReason = `Redis writes to disk: ${persists}. Set "save" to "" and "appendonly" to "no"`;
    log.error({ reason: disabledReason }, 'private messages are off: refusing to hold them in a Redis that persists');
    return { outbox: undefined, disabledReason };
  }
  return { outbox: createRedisOutbox(redis.client, redis.prefix) };
}
