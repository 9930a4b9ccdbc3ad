import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerEventPayloads } from '@parley/protocol';
import { connectUser, eventually, expectOk, startTestServer, type TestServer } from '../test-support/index.js';

const ICE = [{ urls: 'stun:stun.example.org:3478' }, { urls: ['turn:turn.example.org:3478?transport=udp'] }];

describe('call signalling', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { ICE_SERVERS: JSON.stringify(ICE), TURN_SECRET: 'turn-secret' } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('relays offer, answer, candidates and hangup between buddies only', async () => {
    const alice = await connectUser(server);
    const bob = await connectUser(server);
    const stranger = await connectUser(server);
    const bobGot: ServerEventPayloads['call:signal'][] = [];
    bob.client.on('call:signal', (s) => bobGot.push(s));
    const strangerGot: unknown[] = [];
    stranger.client.on('call:signal', (s) => strangerGot.push(s));

    const offer = { to: bob.user.username, callId: 'c1', kind: 'offer' as const, data: { sdp: 'v=0...' } };
    expect(await alice.client.request('call:signal', offer)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expectOk(await alice.client.request('buddy:request', { username: bob.user.username }));
    expectOk(await bob.client.request('buddy:respond', { username: alice.user.username, accept: true }));

    expectOk(await alice.client.request('call:signal', offer));
    expectOk(await alice.client.request('call:signal', { ...offer, kind: 'candidate', data: { candidate: 'x' } }));
    expectOk(await alice.client.request('call:signal', { to: bob.user.username, callId: 'c1', kind: 'hangup' }));
    await eventually(() => (bobGot.length === 3 ? true : undefined));
    expect(bobGot).toEqual([
      { from: alice.user, callId: 'c1', kind: 'offer', data: { sdp: 'v=0...' } },
      { from: alice.user, callId: 'c1', kind: 'candidate', data: { candidate: 'x' } },
      { from: alice.user, callId: 'c1', kind: 'hangup' },
    ]);
    expect(
      await stranger.client.request('call:signal', { to: bob.user.username, callId: 'c2', kind: 'offer' }),
    ).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(
      await alice.client.request('call:signal', { to: 'nobody_at_all', callId: 'c3', kind: 'offer' }),
    ).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(strangerGot).toEqual([]);
    for (const c of [alice, bob, stranger]) c.client.close();
  });

  it('answers /api/ice with the configured servers and short-lived TURN credentials', async () => {
    const alice = await connectUser(server);
    expect((await fetch(`${server.url}/api/ice`)).status).toBe(401);
    const res = await fetch(`${server.url}/api/ice`, { headers: { authorization: `Bearer ${alice.token}` } });
    const { iceServers } = (await res.json()) as {
      iceServers: { urls: unknown; username?: string; credential?: string }[];
    };
    expect(iceServers[0]).toEqual(ICE[0]);
    const turn = iceServers[1]!;
    expect(turn.urls).toEqual(ICE[1]!.urls);
    const [expiry, userId] = (turn.username ?? '').split(':');
    expect(userId).toBe(alice.user.id);
    expect(Number(expiry) - Date.now() / 1000).toBeGreaterThan(3500);
    expect(turn.credential).toBe(
      createHmac('sha1', 'turn-secret')
        .update(turn.username ?? '')
        .digest('base64'),
    );
    alice.client.close();
  });
});
