import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectUser, requireServices, startTestServer, type TestServer } from '../test-support/index.js';
import { startOwnRedis, type OwnRedis } from '../test-support/own-redis.js';

const services = await requireServices('redis');

describe.runIf(services.redis)('a Redis that writes to disk', () => {
  let redis: OwnRedis;
  let dir: string;
  let server: TestServer;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'parley-redis-'));
    // A throwaway Redis of our own with RDB snapshots on, as a careless deployment would have.
    redis = await startOwnRedis(['--save', '900 1', '--dir', dir]);
    server = await startTestServer({ env: { REDIS_URL: redis.url } });
  });
  afterAll(async () => {
    await server.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is refused as a private-message store, and the server says why', async () => {
    const alice = await connectUser(server);
    const bob = await connectUser(server);
    const answer = await alice.client.request('dm:send', {
      to: bob.user.username,
      clientMsgId: randomUUID(),
      payload: 'would land on disk',
    });
    expect(answer).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    if (!answer.ok) expect(answer.error.message).toMatch(/Redis writes to disk: RDB snapshots are on/);
    expect(server.logs.join('')).toMatch(/private messages are off/);
    // Rooms keep working on the same server.
    expect(await alice.client.request('room:list', {})).toMatchObject({ ok: true });
    alice.client.close();
    bob.client.close();
  });
});
