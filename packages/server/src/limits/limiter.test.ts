import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log.js';
import { connectRedis, type RedisLink } from '../realtime/redis-adapter.js';
import { requireServices, TEST_REDIS_URL } from '../test-support/services.js';
import { createLimiterFactory, type LimiterFactory } from './limiter.js';

const { redis: redisUp } = await requireServices('redis');

function limiterContract(name: string, factoryOf: () => LimiterFactory) {
  describe(name, () => {
    it('allows points up to the limit, then answers how long to wait', async () => {
      const limiter = factoryOf().create(`t${randomUUID()}`, { points: 3, durationSeconds: 60 });
      expect([await limiter.take('a'), await limiter.take('a'), await limiter.take('a')]).toEqual([0, 0, 0]);
      const wait = await limiter.take('a');
      expect(wait).toBeGreaterThan(50_000);
      expect(wait).toBeLessThanOrEqual(60_000);
      expect(await limiter.peek('a')).toBeGreaterThan(0);
      expect(await limiter.take('b')).toBe(0);
    });

    it('takes points back and forgets a key', async () => {
      const limiter = factoryOf().create(`t${randomUUID()}`, { points: 1, durationSeconds: 60 });
      expect(await limiter.take('a')).toBe(0);
      await limiter.give('a');
      expect(await limiter.peek('a')).toBe(0);
      expect(await limiter.take('a')).toBe(0);
      expect(await limiter.take('a')).toBeGreaterThan(0);
      await limiter.reset('a');
      expect(await limiter.take('a')).toBe(0);
    });
  });
}

limiterContract('in-memory limiter', () => createLimiterFactory());

describe.runIf(redisUp)('Redis-backed limiter', () => {
  let redis: RedisLink;
  beforeAll(async () => {
    redis = await connectRedis({ url: TEST_REDIS_URL, prefix: `parley-test-${randomUUID()}` }, createLogger('silent'));
  });
  afterAll(() => redis.close());

  limiterContract('contract', () => createLimiterFactory(redis));

  it('is shared by every instance on the same Redis', async () => {
    const name = `t${randomUUID()}`;
    const one = createLimiterFactory(redis).create(name, { points: 2, durationSeconds: 60 });
    const two = createLimiterFactory(redis).create(name, { points: 2, durationSeconds: 60 });
    expect(await one.take('a')).toBe(0);
    expect(await two.take('a')).toBe(0);
    expect(await one.take('a')).toBeGreaterThan(0);
  });

  it('falls back to a per-instance count while Redis is not ready', async () => {
    const link = await connectRedis(
      { url: TEST_REDIS_URL, prefix: `parley-test-${randomUUID()}` },
      createLogger('silent'),
    );
    const limiter = createLimiterFactory(link).create('fallback', { points: 1, durationSeconds: 60 });
    await link.close();
    expect(await limiter.take('a')).toBe(0);
    expect(await limiter.take('a')).toBeGreaterThan(0);
  });
});
