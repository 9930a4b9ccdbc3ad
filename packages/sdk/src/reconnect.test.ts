import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '@parley/protocol';
import { ParleyClient } from './client.js';
import { logout } from './http.js';
import {
  connectUser,
  eventually,
  expectOk,
  requireServices,
  startTcpProxy,
  startTestServer,
  TEST_REDIS_URL,
  uniqueName,
  type TcpProxy,
  type TestServer,
} from '../../server/src/test-support/index.js';

const { postgres, redis } = await requireServices('postgres', 'redis');

interface Refusal {
  code?: string;
  retryAfterMs?: number;
}

function refusalsOf(client: ParleyClient): Refusal[] {
  const refusals: Refusal[] = [];
  client.socket.on('connect_error', (error: Error & { data?: Refusal }) => {
    if (!client.socket.active) refusals.push({ ...error.data });
  });
  return refusals;
}

describe.runIf(postgres && redis)('the SDK after a refused handshake', () => {
  let owner: TestServer;
  let proxy: TcpProxy;
  let troubled: TestServer;

  beforeAll(async () => {
    const shared = { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: uniqueName('sdk-refusal') };
    owner = await startTestServer({ kind: 'postgres', env: shared });
    const { port } = new URL(owner.config.databaseUrl ?? '');
    proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(port || 5432) });
    // A second instance on the same database and Redis, reaching the database through a proxy
    // the test cuts: its handshakes are refused UNAVAILABLE while the owner keeps working.
    troubled = await startTestServer({
      shareDataWith: owner,
      env: { ...shared, DATABASE_URL: proxy.urlFor(owner.config.databaseUrl ?? ''), DB_CONNECT_TIMEOUT_MS: '500' },
    });
  });
  afterAll(async () => {
    await proxy.restore();
    await troubled.close();
    await proxy.close();
    await owner.close();
  });

  it('comes back by itself after UNAVAILABLE refusals and catches up on what it missed, once and in order', async () => {
    const alice = await connectUser(owner);
    const bob = await connectUser(troubled);
    const { room } = expectOk(await alice.client.request('room:create', { name: uniqueName('refused') }));
    expectOk(await bob.client.joinRoom(room.id));
    const seen: Message[] = [];
    bob.client.onMessages((roomId, messages) => {
      if (roomId === room.id) seen.push(...messages);
    });
    const statuses: string[] = [];
    bob.client.onStatus((status) => statuses.push(status));
    const refusals = refusalsOf(bob.client);

    for (let i = 1; i <= 3; i += 1) expectOk(await alice.client.sendMessage(room.id, `before ${i}`));
    await eventually(() => (seen.length === 3 ? true : undefined));

    await proxy.refuse();
    bob.client.socket.io.engine.close();
    for (let i = 4; i <= 8; i += 1) expectOk(await alice.client.sendMessage(room.id, `while refused ${i}`));
    // Two refusals: the SDK tried again after the first, which socket.io-client alone never does.
    await eventually(() => (refusals.length >= 2 ? true : undefined), 10_000);
    expect(bob.client.connected).toBe(false);
    expect(refusals[0]).toEqual({ code: 'UNAVAILABLE', message: expect.any(String) as string, retryAfterMs: 1000 });

    await proxy.restore();
    await eventually(() => (bob.client.connected && seen.length >= 8 ? true : undefined), 10_000);
    expectOk(await alice.client.sendMessage(room.id, 'after 9'));
    await eventually(() => (seen.length >= 9 ? true : undefined));
    expect(seen.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(statuses).toEqual(['reconnecting', 'connected']);
    alice.client.close();
    bob.client.close();
  });

  it('waits in the background when its first handshake is refused UNAVAILABLE, and connects once it may', async () => {
    const carol = await connectUser(troubled);
    carol.client.close();
    await proxy.refuse();
    let connected: ParleyClient | undefined;
    const connecting = ParleyClient.connect({
      url: troubled.url,
      token: carol.token,
      transports: ['websocket'],
      reconnectionDelayMs: 100,
      reconnectionDelayMaxMs: 500,
    }).then((client) => (connected = client));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(connected).toBeUndefined();
    await proxy.restore();
    const client = await connecting;
    expect(client.connected).toBe(true);
    client.close();
  });

  it('takes UNAUTHORIZED at a reconnect as final: status closed, no further attempts', async () => {
    const dave = await connectUser(owner);
    const statuses: string[] = [];
    dave.client.onStatus((status) => statuses.push(status));
    const refusals = refusalsOf(dave.client);
    // Off the network while the session is revoked, then back: the handshake meets a dead session.
    dave.client.socket.io.reconnection(false);
    dave.client.socket.io.engine.close();
    await logout(owner.url, dave.token);
    dave.client.socket.connect();
    await eventually(() => (refusals.length === 1 ? true : undefined));
    expect(refusals[0]).toMatchObject({ code: 'UNAUTHORIZED' });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(refusals).toHaveLength(1);
    expect(statuses).toEqual(['reconnecting', 'closed']);
    expect(dave.client.socket.active).toBe(false);
    dave.client.close();
  });
});
