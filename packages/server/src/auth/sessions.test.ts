import { ParleyClient, endSession, listSessions, login } from '@parley/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInstancePair } from '../test-support/abuse.js';
import { TEST_PASSWORD, connectUser, eventually, requireServices, type TestServer } from '../test-support/index.js';
import { hashToken } from './auth.service.js';

await requireServices('postgres', 'redis');

const loginAs = (server: TestServer, username: string, device: string) =>
  fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': device },
    body: JSON.stringify({ username, password: TEST_PASSWORD }),
  }).then(async (r) => (await r.json()) as { token: string });

describe('sessions, two instances over Redis', () => {
  let first: TestServer;
  let second: TestServer;
  let pair: Awaited<ReturnType<typeof startInstancePair>>;
  beforeAll(async () => {
    pair = await startInstancePair({});
    ({ first, second } = pair);
  });
  afterAll(() => pair.close());

  it('lists the caller’s sessions with device, address, times and `current`; ids are not the token hash', async () => {
    const alice = await connectUser(first);
    const phone = await loginAs(second, alice.user.username, 'Phone/1.0');
    const sessions = await listSessions(second.url, phone.token);
    expect(sessions).toHaveLength(2);
    const current = sessions.find((s) => s.current);
    expect(current).toMatchObject({ device: 'Phone/1.0', address: '127.0.0.1' });
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    for (const s of sessions) {
      expect(Date.parse(s.createdAt)).toBeGreaterThan(0);
      expect(Date.parse(s.lastSeenAt)).toBeGreaterThan(0);
      expect([hashToken(alice.token), hashToken(phone.token), alice.token, phone.token]).not.toContain(s.id);
    }
    alice.client.close();
  });

  it('DELETE /api/sessions/:id ends that session and disconnects its sockets on the other instance only', async () => {
    const alice = await connectUser(first);
    const other = await login(first.url, alice.user.username, TEST_PASSWORD);
    // The session to end has sockets on the second instance, WebSocket and long-polling.
    const ws = await ParleyClient.connect({ url: second.url, token: other.token, transports: ['websocket'] });
    const polling = await ParleyClient.connect({ url: second.url, token: other.token, transports: ['polling'] });
    const statuses: string[] = [];
    ws.onStatus((s) => statuses.push(`ws ${s}`));
    polling.onStatus((s) => statuses.push(`polling ${s}`));
    const target = (await listSessions(first.url, alice.token)).find((s) => !s.current);
    expect(target).toBeDefined();
    await endSession(first.url, target!.id, alice.token);
    await eventually(
      () => (statuses.includes('ws closed') && statuses.includes('polling closed') ? true : undefined),
      10_000,
    );
    await expect(listSessions(second.url, other.token)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(alice.client.connected).toBe(true);
    expect(await listSessions(first.url, alice.token)).toHaveLength(1);
    ws.close();
    polling.close();
    alice.client.close();
  });

  it('refuses: signed out (401), another user’s session (404, as unknown), a malformed id (400)', async () => {
    const alice = await connectUser(first);
    const bob = await connectUser(first);
    const [bobSession] = await listSessions(first.url, bob.token);
    await expect(listSessions(first.url)).rejects.toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
    await expect(endSession(first.url, bobSession!.id)).rejects.toMatchObject({ status: 401 });
    await expect(endSession(first.url, bobSession!.id, alice.token)).rejects.toMatchObject({
      code: 'NOT_FOUND',
      status: 404,
    });
    await expect(endSession(first.url, 'x'.repeat(65), alice.token)).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      status: 400,
    });
    expect(await listSessions(first.url, bob.token)).toHaveLength(1);
    alice.client.close();
    bob.client.close();
  });
});
