import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startOwnRedis } from './own-redis.js';
import { requireServices } from './services.js';

const services = await requireServices('redis');

/** Whether anything answers PING on the URL's port. */
function answers(url: string): Promise<boolean> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}

describe.runIf(services.redis)("a test's own Redis", () => {
  it('is gone after stop(), even when start() was called while it ran', async () => {
    const redis = await startOwnRedis();
    await redis.start();
    expect(await answers(redis.url)).toBe(true);
    await redis.stop();
    expect(await answers(redis.url)).toBe(false);
  });

  it('starts again after a stop, on the same port', async () => {
    const redis = await startOwnRedis();
    await redis.stop();
    expect(await answers(redis.url)).toBe(false);
    await redis.start();
    expect(await answers(redis.url)).toBe(true);
    await redis.stop();
  });
});
