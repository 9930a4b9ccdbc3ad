import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectUser, expectOk, startTestServer, uniqueName, type TestServer } from '../test-support/index.js';

describe('operations endpoints', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers /healthz and /readyz while the database answers', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok' } });
  });

  it('exposes connections, events by outcome, ack latency and stored messages on /metrics', async () => {
    const alice = await connectUser(server);
    const { room } = expectOk(await alice.client.request('room:create', { name: uniqueName('m') }));
    expectOk(await alice.client.sendMessage(room.id, 'counted'));
    await alice.client.request('room:join', { roomId: 'missing' });
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/parley_connections\{transport="websocket"\} 1/);
    expect(text).toMatch(/parley_events_total\{event="message:send",outcome="ok"\} 1/);
    expect(text).toMatch(/parley_events_total\{event="room:join",outcome="NOT_FOUND"\} 1/);
    expect(text).toMatch(/parley_ack_latency_seconds_count\{event="message:send"\} 1/);
    expect(text).toMatch(/parley_messages_stored_total 1/);
    alice.client.close();
  });

  it('answers unknown routes with a NOT_FOUND error body, never a stack trace', async () => {
    const res = await fetch(`${server.url}/api/nothing-here`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no such route' } });
  });
});

describe('readiness without a database', () => {
  it('answers /readyz 503 while the database does not answer, /healthz still 200', async () => {
    const server = await startTestServer();
    await server.database.close();
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'unavailable', checks: { database: 'down' } });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    await server.close();
  });
});

describe('graceful shutdown', () => {
  it('finishes in-flight acks before closing: every acknowledged message is stored', async () => {
    const server = await startTestServer();
    const alice = await connectUser(server);
    const { room } = expectOk(await alice.client.request('room:create', { name: uniqueName('bye') }));
    const inFlight = Array.from({ length: 50 }, (_, i) =>
      alice.client.request(
        'message:send',
        { roomId: room.id, clientMsgId: crypto.randomUUID(), body: `last words ${i}` },
        { timeoutMs: 15_000 },
      ),
    );
    // Restart as soon as the sends are reaching the server (the first ack), not after a fixed
    // sleep: on a loaded machine none may have arrived 5 ms after they left.
    await Promise.race(inFlight);
    const restarting = server.restart();
    const results = await Promise.all(inFlight);
    await restarting;
    const acked = results.flatMap((r) => (r.ok ? [r.message.id] : []));
    expect(acked.length).toBeGreaterThan(0);
    // What was refused was refused plainly (UNAVAILABLE: retry), never half-done.
    for (const r of results) if (!r.ok) expect(r.error.code).toBe('UNAVAILABLE');
    const stored = await server.database.db
      .selectFrom('messages')
      .select('id')
      .where('room_id', '=', room.id)
      .execute();
    expect(stored.map((m) => m.id).sort()).toEqual([...acked].sort());
    alice.client.close();
    await server.close();
  });

  it('refuses new connections while draining and closes the HTTP listener', async () => {
    const server = await startTestServer();
    await server.app.close();
    expect(await fetch(`${server.url}/healthz`).catch(() => 'refused')).toBe('refused');
    await server.close();
  });
});
