import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { ServerEventPayloads } from '@parley/protocol';
import {
  TEST_REDIS_URL,
  connectUser,
  eventually,
  expectOk,
  requireServices,
  startTestServer,
  uniqueName,
  type TestServer,
} from '../test-support/index.js';
import { freePort } from '../test-support/own-redis.js';

const services = await requireServices('postgres', 'redis');
const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const INSTANCE_TTL_MS = 1000;

describe.runIf(services.postgres && services.redis)('an instance killed with SIGKILL', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('has its users shown offline to their buddies on other instances, within the stated bound', async () => {
    if (!existsSync(MAIN)) throw new Error(`build the server first (npm run build): ${MAIN} is missing`);
    const env = {
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: uniqueName('crash'),
      PRESENCE_GRACE_MS: '200',
      PRESENCE_INSTANCE_TTL_MS: String(INSTANCE_TTL_MS),
    };
    const survivor: TestServer = await startTestServer({ kind: 'postgres', env });
    cleanups.push(() => survivor.close());
    const port = await freePort();
    const doomed = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        ...env,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        DATABASE_URL: survivor.config.databaseUrl,
        DATA_DIR: survivor.config.dataDir,
      },
      stdio: 'ignore',
    });
    cleanups.push(() => void doomed.kill('SIGKILL'));
    const doomedUrl = `http://127.0.0.1:${port}`;
    await eventually(
      async () => ((await fetch(`${doomedUrl}/readyz`).catch(() => null))?.ok ? true : undefined),
      15_000,
    );

    const alice = await connectUser(survivor);
    const bob = await connectUser({ ...survivor, url: doomedUrl });
    const aliceSaw: ServerEventPayloads['presence'][] = [];
    alice.client.on('presence', (p) => aliceSaw.push(p));
    expectOk(await alice.client.request('buddy:request', { username: bob.user.username }));
    expectOk(await bob.client.request('buddy:respond', { username: alice.user.username, accept: true }));
    await eventually(() => (aliceSaw.some((p) => p.status === 'online') ? true : undefined));

    doomed.kill('SIGKILL');
    const killedAt = Date.now();
    await eventually(() => (aliceSaw.some((p) => p.status === 'offline') ? true : undefined), 10_000);
    const took = Date.now() - killedAt;
    // The bound: the heartbeat TTL, plus one sweep (a third of it), plus delivery slack.
    expect(took).toBeLessThan(INSTANCE_TTL_MS + INSTANCE_TTL_MS / 3 + 1500);
    expect(aliceSaw.at(-1)).toMatchObject({ user: bob.user, status: 'offline' });
    expect(expectOk(await alice.client.request('buddy:list', {})).buddies[0]?.status).toBe('offline');
    alice.client.close();
    bob.client.close();
  });
});
