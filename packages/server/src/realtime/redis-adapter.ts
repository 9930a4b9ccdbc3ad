import { createAdapter } from '@socket.io/redis-streams-adapter';
import { createClient } from 'redis';
import type { Logger } from '../log.js';
import { deliverLocallyFirst } from './local-first-adapter.js';
import type { ParleyServer } from './socket-server.js';

const newClient = (url: string) => createClient({ url });
export type RedisClient = ReturnType<typeof newClient>;

export interface RedisLink {
  client: RedisClient;
  /** Prefix of every key and stream this deployment uses. */
  prefix: string;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export async function connectRedis(
  options: { url: string; prefix: string; onError?: (err: unknown) => void },
  log: Logger,
): Promise<RedisLink> {
  const client = newClient(options.url);
  // Every reconnect attempt errors: onError (the outage log) says so once per outage.
  client.on('error', options.onError ?? ((err: unknown) => log.warn({ err }, 'redis connection error')));
  await client.connect();
  return {
    client,
    prefix: options.prefix,
    async ping() {
      try {
        return (await client.ping()) === 'PONG';
      } catch {
        return false;
      }
    },
    async close() {
      await client.quit().catch(() => undefined);
    },
  };
}

/**
 * Fan-out across instances through Redis streams: unlike the pub/sub adapter it rides out a
 * short Redis outage without losing packets (DESIGN.md, "The stack").
 */
export function attachRedisAdapter(io: ParleyServer, redis: RedisLink): void {
  const streams = createAdapter(redis.client, {
    streamName: `${redis.prefix}:socket.io`,
    sessionKeyPrefix: `${redis.prefix}:session:`,
  });
  // Socket.IO calls the adapter factory with `new`: a function, not an arrow.
  io.adapter(function localFirst(nsp: unknown) {
    return deliverLocallyFirst(streams(nsp));
  });
}
