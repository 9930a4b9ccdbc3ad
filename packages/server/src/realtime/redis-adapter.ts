import { createAdapter } from '@socket.io/redis-streams-adapter';
import { createClient } from 'redis';
import type { Logger } from '../log.js';
import type { ParleyServer } from './socket-server.js';

export interface RedisLink {
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Fan-out across instances through Redis streams: unlike the pub/sub adapter it rides out a
 * short Redis outage without losing packets (DESIGN.md, "The stack").
 */
export async function attachRedisAdapter(
  io: ParleyServer,
  options: { url: string; prefix: string },
  log: Logger,
): Promise<RedisLink> {
  const client = createClient({ url: options.url });
  client.on('error', (err: unknown) => log.warn({ err }, 'redis connection error'));
  await client.connect();
  io.adapter(
    createAdapter(client, {
      streamName: `${options.prefix}:socket.io`,
      sessionKeyPrefix: `${options.prefix}:session:`,
    }),
  );
  return {
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
