import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricValue, rawUpgrade, startTestServer, type TestServer } from '../test-support/index.js';

const EVIL = 'https://evil.example.com';

async function polling(server: TestServer, query: string, init: RequestInit = {}) {
  const response = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling${query}`, init);
  return { status: response.status, body: await response.text() };
}

/** A WebSocket upgrade: 101 when it went through, else how it was refused. */
const upgrade = async (server: TestServer, headers: Record<string, string>) => {
  const answer = await rawUpgrade(server, { headers });
  if (answer.status === 101 && 'socket' in answer) answer.socket.destroy();
  return answer.status === 101 ? 'upgraded' : answer.status;
};

const originRefusals = (server: TestServer) => metricValue(server, 'parley_connection_refusals_total{reason="origin"}');

describe('Origin on the realtime transports', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('is checked on every long-polling request of a session, not only the handshake', async () => {
    const handshake = await polling(server, '');
    expect(handshake.status).toBe(200);
    const { sid } = JSON.parse(handshake.body.slice(1)) as { sid: string };
    const before = await originRefusals(server);

    const foreignPost = await polling(server, `&sid=${sid}`, { method: 'POST', body: '40', headers: { origin: EVIL } });
    expect(foreignPost).toEqual({ status: 403, body: '{"error":{"code":"FORBIDDEN","message":"origin not allowed"}}' });
    const foreignGet = await polling(server, `&sid=${sid}`, { headers: { origin: EVIL } });
    expect(foreignGet.status).toBe(403);
    expect(await originRefusals(server)).toBe(before + 2);

    // The session itself is untouched: its own page goes on using it.
    const ownPost = await polling(server, `&sid=${sid}`, {
      method: 'POST',
      body: '40',
      headers: { origin: server.url },
    });
    expect(ownPost).toEqual({ status: 200, body: 'ok' });
    expect(server.logs.filter((line) => line.includes('origin not allowed')).length).toBe(1);
  });

  it('refuses a foreign handshake on both transports', async () => {
    expect((await polling(server, '', { headers: { origin: EVIL } })).status).toBe(403);
    expect(await upgrade(server, { Origin: EVIL })).not.toBe('upgraded');
  });

  it('compares the scheme as well as the host', async () => {
    const host = new URL(server.url).host;
    const overTls = { 'X-Forwarded-Proto': 'https' };
    expect(await upgrade(server, { Origin: `http://${host}`, ...overTls })).not.toBe('upgraded');
    expect(await upgrade(server, { Origin: `https://${host}`, ...overTls })).toBe('upgraded');
    expect(await upgrade(server, { Origin: `https://${host}`, 'X-Forwarded-Proto': 'http' })).not.toBe('upgraded');
    expect(await upgrade(server, { Origin: `http://${host}` })).toBe('upgraded');
    const overTlsPolling = { headers: { origin: `http://${host}`, 'x-forwarded-proto': 'https' } };
    expect((await polling(server, '', overTlsPolling)).status).toBe(403);
  });
});
