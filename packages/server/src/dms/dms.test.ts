import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DmNew, DmStatus } from '@parley/protocol';
import {
  connectUser,
  eventually,
  expectOk,
  startTestServer,
  uniqueName,
  type TestServer,
} from '../test-support/index.js';

describe('off-the-record private messages', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { DM_QUEUE_MAX: '3' } });
  });
  afterAll(async () => {
    await server.close();
  });

  const dm = (to: string, payload = 'ciphertext', ttlSeconds?: number) => ({
    to,
    clientMsgId: randomUUID(),
    payload,
    ...(ttlSeconds ? { ttlSeconds } : {}),
  });

  it('holds a message for an offline recipient and hands it over when they connect', async () => {
    const alice = await connectUser(server);
    const bob = await connectUser(server);
    bob.client.close();
    const sent = expectOk(await alice.client.request('dm:send', dm(bob.user.username, 'while you were out')));
    expect(sent.status).toBe('queued');
    const received: DmNew[] = [];
    const bobBack = await connectUser(server, { token: bob.token });
    bobBack.client.on('dm:new', (m) => received.push(m));
    await eventually(() => (received.length === 1 ? true : undefined));
    expect(received[0]).toMatchObject({ id: sent.id, from: alice.user, payload: 'while you were out' });
    expect(Date.parse(received[0]!.expiresAt) - Date.parse(received[0]!.sentAt)).toBe(120_000);
    alice.client.close();
    bobBack.client.close();
  });

  it('reports delivered to the sender exactly once, after the recipient acknowledges', async () => {
    const alice = await connectUser(server);
    const bob = await connectUser(server);
    const bobSecondTab = await connectUser(server, { token: bob.token });
    const statuses: DmStatus[] = [];
    alice.client.on('dm:status', (s) => statuses.push(s));
    const got: DmNew[] = [];
    bob.client.on('dm:new', (m) => got.push(m));
    bobSecondTab.client.on('dm:new', (m) => got.push(m));
    const sent = expectOk(await alice.client.request('dm:send', dm(bob.user.username)));
    await eventually(() => (got.length === 2 ? true : undefined));
    await new Promise((r) => setTimeout(r, 100));
    expect(statuses).toEqual([]);
    await Promise.all([
      bob.client.request('dm:ack', { ids: [sent.id] }),
      bobSecondTab.client.request('dm:ack', { ids: [sent.id] }),
    ]);
    await eventually(() => (statuses.length > 0 ? true : undefined));
    await new Promise((r) => setTimeout(r, 150));
    expect(statuses).toEqual([{ id: sent.id, status: 'delivered' }]);
    for (const c of [alice, bob, bobSecondTab]) c.client.close();
  });

  it('reports expired when the TTL runs out undelivered, and the recipient never gets it', async () => {
    const alice = await connectUser(server);
    const bob = await connectUser(server);
    bob.client.close();
    const statuses: DmStatus[] = [];
    alice.client.on('dm:status', (s) => statuses.push(s));
    const sent = expectOk(await alice.client.request('dm:send', dm(bob.user.username, 'too late', 1)));
    await eventually(() => (statuses.length > 0 ? true : undefined), 3000);
    expect(statuses).toEqual([{ id: sent.id, status: 'expired' }]);
    const got: DmNew[] = [];
    const bobBack = await connectUser(server, { token: bob.token });
    bobBack.client.on('dm:new', (m) => got.push(m));
    await new Promise((r) => setTimeout(r, 300));
    expect(got).toEqual([]);
    alice.client.close();
    bobBack.client.close();
  });

  it('does not deliver a retried clientMsgId twice', async () => {
    const alice = await connectUser(server);
    const bob = await connectUser(server);
    const got: DmNew[] = [];
    bob.client.on('dm:new', (m) => got.push(m));
    const message = dm(bob.user.username);
    const first = expectOk(await alice.client.request('dm:send', message));
    const retry = expectOk(await alice.client.request('dm:send', message));
    expect(retry).toEqual({ ok: true, id: first.id, status: 'queued' });
    await eventually(() => (got.length >= 1 ? true : undefined));
    expectOk(await bob.client.request('dm:ack', { ids: [first.id] }));
    const late = expectOk(await alice.client.request('dm:send', message));
    expect(late).toEqual({ ok: true, id: first.id, status: 'delivered' });
    await new Promise((r) => setTimeout(r, 150));
    expect(got.map((m) => m.id)).toEqual([first.id]);
    alice.client.close();
    bob.client.close();
  });

  it('answers NOT_FOUND, TOO_LARGE and RATE_LIMITED plainly', async () => {
    const alice = await connectUser(server);
    const bob = await connectUser(server);
    bob.client.close();
    expect(await alice.client.request('dm:send', dm('nobody_here_42'))).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expect(await alice.client.request('dm:send', dm(bob.user.username, 'x'.repeat(16_385)))).toMatchObject({
      ok: false,
      error: { code: 'TOO_LARGE' },
    });
    for (let i = 0; i < 3; i += 1) expectOk(await alice.client.request('dm:send', dm(bob.user.username)));
    const full = await alice.client.request('dm:send', dm(bob.user.username));
    expect(full).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    if (!full.ok) expect(full.error.retryAfterMs).toBeGreaterThan(0);
    alice.client.close();
  });

  it('publishes and serves public keys, and says when a user has none', async () => {
    const alice = await connectUser(server);
    const bob = await connectUser(server);
    expect(await alice.client.request('keys:get', { username: bob.user.username })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expectOk(await bob.client.request('keys:publish', { publicKey: 'pk-1' }));
    expectOk(await bob.client.request('keys:publish', { publicKey: 'pk-2' }));
    // An old client (no deviceId) is the device `default`: its key is replaced, not added.
    expect(await alice.client.request('keys:get', { username: bob.user.username.toUpperCase() })).toEqual({
      ok: true,
      publicKey: 'pk-2',
      devices: [{ deviceId: 'default', publicKey: 'pk-2', updatedAt: expect.any(String) as unknown }],
    });
    alice.client.close();
    bob.client.close();
  });

  it('answers keys:get for an unknown user exactly as for a user without a key', async () => {
    const alice = await connectUser(server);
    const keyless = await connectUser(server);
    const forKeyless = await alice.client.request('keys:get', { username: keyless.user.username });
    const forNobody = await alice.client.request('keys:get', { username: uniqueName('nobody') });
    expect(forKeyless).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(forNobody).toEqual(forKeyless);
    alice.client.close();
    keyless.client.close();
  });
});
