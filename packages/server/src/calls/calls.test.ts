import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerEventPayloads } from '@parley/protocol';
import { CALL_SIGNAL_DATA_MAX } from '@parley/protocol';
import {
  connectUser,
  eventually,
  expectOk,
  startTestServer,
  type TestServer,
  type TestUser,
} from '../test-support/index.js';

const ICE = [{ urls: 'stun:stun.example.org:3478' }, { urls: ['turn:turn.example.org:3478?transport=udp'] }];

describe('call signalling', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      env: {
        ICE_SERVERS: JSON.stringify(ICE),
        TURN_SECRET: 'turn-secret',
        ICE_TRANSPORT_POLICY: 'relay',
        CALLS_PER_USER_PER_MINUTE: '3',
      },
    });
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
    const { iceServers, iceTransportPolicy } = (await res.json()) as {
      iceServers: { urls: unknown; username?: string; credential?: string }[];
      iceTransportPolicy: string;
    };
    expect(iceTransportPolicy).toBe('relay');
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

  async function buddies(): Promise<[TestUser, TestUser]> {
    const alice = await connectUser(server);
    const bob = await connectUser(server);
    expectOk(await alice.client.request('buddy:request', { username: bob.user.username }));
    expectOk(await bob.client.request('buddy:respond', { username: alice.user.username, accept: true }));
    return [alice, bob];
  }
  const refused = (code: string) => ({ ok: false, error: { code } });

  it('refuses malformed, oversized, self-addressed and ex-buddy signals, and rings nobody for them', async () => {
    const [alice, bob] = await buddies();
    const bobGot: unknown[] = [];
    bob.client.on('call:signal', (s) => bobGot.push(s));
    bob.client.on('call:status', (s) => bobGot.push(s));
    const to = bob.user.username;
    for (const bad of [
      { to, callId: 'm1', kind: 'ring' },
      { to, callId: '', kind: 'offer' },
      { to, kind: 'offer' },
      { to: 42, callId: 'm2', kind: 'offer' },
      { to, callId: 'm3', kind: 'offer', data: JSON.parse('['.repeat(60) + ']'.repeat(60)) as unknown },
      'offer',
    ]) {
      expect(await alice.client.request('call:signal', bad as never)).toMatchObject(refused('BAD_REQUEST'));
    }
    const huge = { to, callId: 'big', kind: 'offer' as const, data: 'x'.repeat(CALL_SIGNAL_DATA_MAX) };
    expect(await alice.client.request('call:signal', huge)).toMatchObject(refused('TOO_LARGE'));
    const longId = { to, callId: 'x'.repeat(65), kind: 'offer' as const };
    expect(await alice.client.request('call:signal', longId)).toMatchObject(refused('TOO_LARGE'));
    expect(
      await alice.client.request('call:signal', { to: alice.user.username, callId: 'self', kind: 'offer' }),
    ).toMatchObject(refused('FORBIDDEN'));
    // A removed buddy is a stranger again: refused, and the other side hears nothing.
    expectOk(await bob.client.request('buddy:remove', { username: alice.user.username }));
    expect(await alice.client.request('call:signal', { to, callId: 'ex', kind: 'offer' })).toMatchObject(
      refused('FORBIDDEN'),
    );
    expect(await alice.client.request('call:signal', { to, callId: 'ex', kind: 'hangup' })).toMatchObject(
      refused('FORBIDDEN'),
    );
    expect(bobGot).toEqual([]);
    alice.client.close();
    bob.client.close();
  });

  it('limits how many calls one user may start per minute (RATE_LIMITED, with retryAfterMs)', async () => {
    const [alice, bob] = await buddies();
    const to = bob.user.username;
    for (let i = 0; i < 3; i += 1) {
      expectOk(await alice.client.request('call:signal', { to, callId: `r${i}`, kind: 'offer' }));
      expectOk(await alice.client.request('call:signal', { to, callId: `r${i}`, kind: 'hangup' }));
    }
    const fourth = await alice.client.request('call:signal', { to, callId: 'r3', kind: 'offer' });
    expect(fourth).toMatchObject(refused('RATE_LIMITED'));
    expect(fourth.ok ? 0 : (fourth.error.retryAfterMs ?? 0)).toBeGreaterThan(0);
    // Signals of a call under way are not new calls: renegotiation and candidates still pass.
    expectOk(await alice.client.request('call:signal', { to, callId: 'r2', kind: 'candidate', data: 'c' }));
    // The refused call did not stay in the ledger: bob is not "busy" for someone else.
    const carol = await connectUser(server);
    expectOk(await carol.client.request('buddy:request', { username: to }));
    expectOk(await bob.client.request('buddy:respond', { username: carol.user.username, accept: true }));
    const heard: string[] = [];
    bob.client.on('call:signal', (s) => heard.push(s.callId));
    expectOk(await carol.client.request('call:signal', { to, callId: 'after', kind: 'offer' }));
    await eventually(() => (heard.includes('after') ? true : undefined));
    for (const u of [alice, bob, carol]) u.client.close();
  });
});
