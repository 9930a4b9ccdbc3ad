import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectUser,
  eventually,
  expectOk,
  requireServices,
  startTcpProxy,
  startTestServer,
  TEST_PASSWORD,
  uniqueName,
  type TcpProxy,
  type TestServer,
} from './test-support/index.js';

const { postgres } = await requireServices('postgres');

const linesWith = (server: TestServer, text: string) => server.logs.filter((line) => line.includes(`"msg":"${text}"`));

describe.runIf(postgres)('a PostgreSQL outage', () => {
  let owner: TestServer;
  let proxy: TcpProxy;
  let server: TestServer;

  beforeAll(async () => {
    owner = await startTestServer({ kind: 'postgres' });
    const { port } = new URL(owner.config.databaseUrl ?? '');
    proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(port || 5432) });
    // A second instance on the same database, reaching it through the proxy the test breaks.
    server = await startTestServer({
      shareDataWith: owner,
      env: {
        DATABASE_URL: proxy.urlFor(owner.config.databaseUrl ?? ''),
        DB_CONNECT_TIMEOUT_MS: '500',
        DB_QUERY_TIMEOUT_MS: '500',
      },
    });
  });
  afterAll(async () => {
    await server.close();
    await proxy.close();
    await owner.close();
  });

  async function chatter() {
    const alice = await connectUser(server);
    const { room } = expectOk(await alice.client.request('room:create', { name: uniqueName('outage') }));
    return { alice, room };
  }

  it('answers sends UNAVAILABLE with retryAfterMs while it refuses connections, logging one line per outage', async () => {
    const { alice, room } = await chatter();
    expectOk(await alice.client.sendMessage(room.id, 'before'));

    for (let outage = 1; outage <= 2; outage += 1) {
      await proxy.refuse();
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          // No retries and the SDK's own timeout: an answer carrying retryAfterMs came from the server.
          alice.client.request(
            'message:send',
            { roomId: room.id, clientMsgId: crypto.randomUUID(), body: `during ${i}` },
            { retries: 0 },
          ),
        ),
      );
      for (const answer of answers) {
        expect(answer).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE', retryAfterMs: 1000 } });
      }
      expect(linesWith(server, 'database unavailable')).toHaveLength(outage);
      await proxy.restore();
      await eventually(() => (linesWith(server, 'database back').length === outage ? true : undefined));
      expectOk(await alice.client.sendMessage(room.id, `after ${outage}`));
    }

    expect(linesWith(server, 'database unavailable')).toHaveLength(2);
    expect(linesWith(server, 'event failed')).toEqual([]);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/parley_events_total\{event="message:send",outcome="UNAVAILABLE"\} 40/);
    expect(metrics).toMatch(/parley_dependency_up\{dependency="database"\} 1/);
    const history = expectOk(await alice.client.request('room:history', { roomId: room.id }));
    expect(history.messages.map((m) => m.body)).toEqual(['before', 'after 1', 'after 2']);
    alice.client.close();
  });

  it('answers UNAVAILABLE, not a hang, while the database accepts connections but never answers', async () => {
    const { alice, room } = await chatter();
    proxy.hang();
    try {
      const answer = await alice.client.request(
        'message:send',
        { roomId: room.id, clientMsgId: crypto.randomUUID(), body: 'into the void' },
        { retries: 0, timeoutMs: 5000 },
      );
      expect(answer).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE', retryAfterMs: 1000 } });
    } finally {
      await proxy.restore();
    }
    await eventually(() => (linesWith(server, 'database back').length >= 3 ? true : undefined));
    expectOk(await alice.client.sendMessage(room.id, 'back again'));
    alice.client.close();
  });

  it('answers the HTTP API 503 UNAVAILABLE with Retry-After while the database is down', async () => {
    await proxy.refuse();
    try {
      const res = await fetch(`${server.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: uniqueName(), password: TEST_PASSWORD }),
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(await res.json()).toEqual({
        error: { code: 'UNAVAILABLE', message: 'database unavailable; retry', retryAfterMs: 1000 },
      });
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ checks: { database: 'down' } });
    } finally {
      await proxy.restore();
    }
    expect(linesWith(server, 'request failed')).toEqual([]);
  });
});
