import { afterAll, describe, expect, it } from 'vitest';
import {
  TEST_REDIS_URL,
  eventually,
  requireServices,
  startTestServer,
  uniqueName,
  type TestServer,
} from '../test-support/index.js';
import { buddiesOnTwoInstances } from '../test-support/buddies.js';
import { startChildServer } from '../test-support/child-server.js';

const services = await requireServices('postgres', 'redis');
const INSTANCE_TTL_MS = 1000;

describe.runIf(services.postgres && services.redis)('an instance killed with SIGKILL', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('has its users shown offline to their buddies on other instances, within the stated bound', async () => {
    const env = {
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: uniqueName('crash'),
      PRESENCE_GRACE_MS: '200',
      PRESENCE_INSTANCE_TTL_MS: String(INSTANCE_TTL_MS),
    };
    const survivor: TestServer = await startTestServer({ kind: 'postgres', env });
    cleanups.push(() => survivor.close());
    const doomed = await startChildServer(survivor, env);
    cleanups.push(() => void doomed.process.kill('SIGKILL'));
    const { alice, bob, aliceSaw, bobInAlicesList } = await buddiesOnTwoInstances(survivor, doomed.url);

    doomed.process.kill('SIGKILL');
    const killedAt = Date.now();
    await eventually(() => (aliceSaw.some((p) => p.status === 'offline') ? true : undefined), 10_000);
    const took = Date.now() - killedAt;
    // The bound: the heartbeat TTL, plus one sweep (a third of it), plus delivery slack.
    expect(took).toBeLessThan(INSTANCE_TTL_MS + INSTANCE_TTL_MS / 3 + 1500);
    expect(aliceSaw.at(-1)).toMatchObject({ user: bob.user, status: 'offline' });
    expect(await bobInAlicesList()).toBe('offline');
    alice.client.close();
    bob.client.close();
  });
});
