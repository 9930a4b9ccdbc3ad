import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitWarnings, refusalsCounted, startInstancePair } from '../test-support/abuse.js';
import {
  connectUser,
  eventually,
  expectOk,
  requireServices,
  startTestServer,
  type TestServer,
  type TestUser,
} from '../test-support/index.js';

const services = await requireServices('postgres', 'redis');

const send = (from: TestUser, to: TestUser) =>
  from.client.request('dm:send', { to: to.user.username, clientMsgId: randomUUID(), payload: 'ciphertext' });

function expectRateLimited(answer: Awaited<ReturnType<typeof send>>): void {
  expect(answer).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
  const retryAfterMs = answer.ok ? 0 : (answer.error.retryAfterMs ?? 0);
  expect(retryAfterMs).toBeGreaterThan(0);
  expect(retryAfterMs).toBeLessThanOrEqual(120_000);
}

describe('private messages queued per sender', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { DM_QUEUE_PER_PAIR: '3', DM_QUEUE_PER_SENDER: '5', DM_QUEUE_MAX: '50' } });
  });
  afterAll(() => server.close());

  it('refuses an abuser past the per-recipient share while a legitimate sender to the same recipient gets in', async () => {
    const [mallory, alice, bob] = await Promise.all([connectUser(server), connectUser(server), connectUser(server)]);
    bob.client.close();
    for (let i = 0; i < 3; i += 1) expectOk(await send(mallory, bob));
    expectRateLimited(await send(mallory, bob));
    expectRateLimited(await send(mallory, bob));
    expect(expectOk(await send(alice, bob)).status).toBe('queued');
    expect(await refusalsCounted(server, 'dm-queue-pair')).toBe(2);
    const warned = () => limitWarnings(server, 'dm-queue-pair');
    await eventually(() => (warned().length > 0 ? true : undefined));
    expect(warned()).toHaveLength(1);
    expect(warned()[0]).not.toContain('ciphertext');
    mallory.client.close();
    alice.client.close();
  });

  it('refuses an abuser past the per-sender total over many recipients, and nobody else', async () => {
    const mallory = await connectUser(server);
    const victims = await Promise.all(Array.from({ length: 6 }, () => connectUser(server)));
    for (const victim of victims) victim.client.close();
    for (const victim of victims.slice(0, 5)) expectOk(await send(mallory, victim));
    const last = victims[5] as TestUser;
    expectRateLimited(await send(mallory, last));
    const alice = await connectUser(server);
    expectOk(await send(alice, last));
    expect(await refusalsCounted(server, 'dm-queue-sender')).toBe(1);
    mallory.client.close();
    alice.client.close();
  });
});

describe('private messages queued in all', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { DM_QUEUE_TOTAL_MAX: '2' } });
  });
  afterAll(() => server.close());

  it('refuses past the instance-wide total with RATE_LIMITED and retryAfterMs', async () => {
    const [a, b, c] = await Promise.all([connectUser(server), connectUser(server), connectUser(server)]);
    c.client.close();
    expectOk(await send(a, c));
    expectOk(await send(b, c));
    expectRateLimited(await send(a, b));
    expect(await refusalsCounted(server, 'dm-queue-total')).toBe(1);
    a.client.close();
    b.client.close();
  });
});

describe.runIf(services.postgres && services.redis)('private messages queued per sender, across two instances', () => {
  let first: TestServer;
  let second: TestServer;
  let pair: Awaited<ReturnType<typeof startInstancePair>>;
  beforeAll(async () => {
    pair = await startInstancePair({ DM_QUEUE_PER_PAIR: '3' });
    ({ first, second } = pair);
  });
  afterAll(() => pair.close());

  it('counts one sender’s messages to one recipient on every instance together', async () => {
    const mallory = await connectUser(first);
    const malloryThere = await connectUser(second, { token: mallory.token });
    const [alice, bob] = await Promise.all([connectUser(second), connectUser(first)]);
    bob.client.close();
    expectOk(await send(mallory, bob));
    expectOk(await send(malloryThere, bob));
    expectOk(await send(mallory, bob));
    expectRateLimited(await send(malloryThere, bob));
    expectOk(await send(alice, bob));
    for (const user of [mallory, malloryThere, alice]) user.client.close();
  });
});
