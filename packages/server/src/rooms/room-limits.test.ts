import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitWarnings, refusalsCounted, startInstancePair } from '../test-support/abuse.js';
import {
  connectUser,
  eventually,
  expectOk,
  requireServices,
  startTestServer,
  uniqueName,
  type TestServer,
  type TestUser,
} from '../test-support/index.js';

const services = await requireServices('postgres', 'redis');

const create = (user: TestUser) => user.client.request('room:create', { name: uniqueName('room') });

describe('rooms created per user', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { ROOMS_PER_USER_PER_HOUR: '3' } });
  });
  afterAll(() => server.close());

  it('refuses a fourth room in the hour with RATE_LIMITED and retryAfterMs, counted, logged once, for that user only', async () => {
    const spammer = await connectUser(server);
    for (let i = 0; i < 3; i += 1) expectOk(await create(spammer));
    const refused = await create(spammer);
    expect(refused).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    const retryAfterMs = refused.ok ? 0 : (refused.error.retryAfterMs ?? 0);
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(3600_000);
    expect(await create(spammer)).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });

    const other = await connectUser(server);
    expectOk(await create(other));
    expect(await refusalsCounted(server, 'room-create-user')).toBe(2);
    const warned = () => limitWarnings(server, 'room-create-user');
    await eventually(() => (warned().length > 0 ? true : undefined));
    expect(warned()).toHaveLength(1);
    expect(warned()[0]).toContain(spammer.user.id);
    spammer.client.close();
    other.client.close();
  });
});

describe.runIf(services.postgres && services.redis)('rooms created per user, across two instances', () => {
  let first: TestServer;
  let second: TestServer;
  let pair: Awaited<ReturnType<typeof startInstancePair>>;
  beforeAll(async () => {
    pair = await startInstancePair({ ROOMS_PER_USER_PER_HOUR: '3' });
    ({ first, second } = pair);
  });
  afterAll(() => pair.close());

  it('counts one user’s rooms on every instance together', async () => {
    const here = await connectUser(first);
    const there = await connectUser(second, { token: here.token });
    expectOk(await create(here));
    expectOk(await create(there));
    expectOk(await create(here));
    expect(await create(there)).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    expect(await create(here)).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    here.client.close();
    there.client.close();
  });
});
