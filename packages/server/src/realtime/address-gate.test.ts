import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import { register } from '@parley/sdk';
import {
  TEST_PASSWORD,
  TEST_REDIS_URL,
  eventually,
  metricValue,
  rawUpgrade,
  requireServices,
  startTestServer,
  uniqueName,
  type TestServer,
  type UpgradeAnswer,
} from '../test-support/index.js';

const { redis: redisUp } = await requireServices('redis');

/** A long-polling handshake (GET with no sid). */
function pollingHandshake(server: TestServer, localAddress = '127.0.0.1') {
  const url = new URL(server.url);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: '/socket.io/?EIO=4&transport=polling', localAddress, agent: false },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Runs `count` attempts, `concurrency` at a time. */
async function attempts<T>(count: number, concurrency: number, attempt: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let start = 0; start < count; start += concurrency) {
    const batch = Array.from({ length: Math.min(concurrency, count - start) }, (_, i) => attempt(start + i));
    results.push(...(await Promise.all(batch)));
  }
  return results;
}

const held = (answers: UpgradeAnswer[]) =>
  answers.filter((a): a is Extract<UpgradeAnswer, { status: 101 }> => a.status === 101);

const refusalCount = (server: TestServer, reason: string) =>
  metricValue(server, `parley_connection_refusals_total{reason="${reason}"}`);

/** A signed-in Socket.IO WebSocket client (not the SDK, which cannot pick its local address). */
async function connectFrom(server: TestServer, localAddress: string) {
  const { token } = await register(server.url, uniqueName(), TEST_PASSWORD);
  // engine.io-client hands `localAddress` to ws in Node, though its option types leave it out.
  const nodeOnly = { localAddress } as object;
  const socket = io(server.url, { transports: ['websocket'], auth: { token }, reconnection: false, ...nodeOnly });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

describe('connections per address', () => {
  const servers: TestServer[] = [];
  const sockets: Socket[] = [];
  const start = async (env: Record<string, string>) => {
    const server = await startTestServer({ env });
    servers.push(server);
    return server;
  };
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('holds no more than the cap of 2,000 WebSocket upgrades from one address; another address still connects', async () => {
    const server = await start({ MAX_CONNECTIONS_PER_ADDRESS: '20' });
    const answers = await attempts(2000, 200, () => rawUpgrade(server));
    sockets.push(...held(answers).map((a) => a.socket));
    expect(held(answers)).toHaveLength(20);
    const refused = answers.filter((a) => a.status !== 101);
    expect(refused).toHaveLength(1980);
    for (const answer of refused) {
      expect(answer.status).toBe(429);
      if ('body' in answer) {
        expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'RATE_LIMITED', retryAfterMs: 5000 } });
        expect(answer.headers['retry-after']).toBe('5');
      }
    }
    expect(await refusalCount(server, 'address_open')).toBe(1980);
    const warnings = server.logs.filter((line) => line.includes('too many from this address'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0] ?? '{}')).toMatchObject({ level: 40, reason: 'address_open' });

    const other = await connectFrom(server, '127.0.0.2');
    expect(other.connected).toBe(true);
    other.close();
  });

  it('counts a connection until it closes, whichever way it closes', async () => {
    const server = await start({ MAX_CONNECTIONS_PER_ADDRESS: '2' });
    const first = await rawUpgrade(server);
    const second = await rawUpgrade(server);
    expect([first.status, second.status, (await rawUpgrade(server)).status]).toEqual([101, 101, 429]);
    if ('socket' in first) first.socket.destroy(); // cut off
    if ('socket' in second) second.socket.end(); // closed politely
    const again = await eventually(async () => {
      const answer = await rawUpgrade(server);
      if (answer.status === 101) return answer;
      return undefined;
    });
    if ('socket' in again) sockets.push(again.socket);
  });

  it('holds no more than the cap of long-polling sessions from one address', async () => {
    const server = await start({ MAX_CONNECTIONS_PER_ADDRESS: '5' });
    const answers = await attempts(200, 50, () => pollingHandshake(server));
    const opened = answers.filter((a) => a.status === 200);
    expect(opened).toHaveLength(5);
    expect(opened.every((a) => a.body.startsWith('0{'))).toBe(true);
    const refused = answers.filter((a) => a.status !== 200);
    const codes = refused.map((a) => (JSON.parse(a.body) as { error: { code: string } }).error.code);
    expect(new Set(refused.map((a) => a.status))).toEqual(new Set([429]));
    expect(new Set(codes)).toEqual(new Set(['RATE_LIMITED']));
    expect(await refusalCount(server, 'address_open')).toBe(195);

    expect((await pollingHandshake(server, '127.0.0.2')).status).toBe(200);
    // Closing the sessions (Engine.IO close packet) gives their places back.
    const url = new URL(server.url);
    for (const answer of opened) {
      const { sid } = JSON.parse(answer.body.slice(1)) as { sid: string };
      await fetch(`${url.origin}/socket.io/?EIO=4&transport=polling&sid=${sid}`, { method: 'POST', body: '1' });
    }
    await eventually(async () => ((await pollingHandshake(server)).status === 200 ? true : undefined));
  });

  it('limits the rate of new connections per address, and says when to retry', async () => {
    const server = await start({ CONNECTIONS_PER_ADDRESS_PER_MINUTE: '3', MAX_CONNECTIONS_PER_ADDRESS: '100' });
    for (let i = 0; i < 3; i += 1) {
      const answer = await rawUpgrade(server);
      expect(answer.status).toBe(101);
      if ('socket' in answer) answer.socket.destroy();
    }
    const refused = await rawUpgrade(server);
    expect(refused.status).toBe(429);
    if ('body' in refused) {
      const { error } = JSON.parse(refused.body) as { error: { code: string; retryAfterMs: number } };
      expect(error.code).toBe('RATE_LIMITED');
      expect(error.retryAfterMs).toBeGreaterThan(50_000);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(50);
    }
    expect((await pollingHandshake(server)).status).toBe(429);
    expect(await refusalCount(server, 'address_rate')).toBe(2);
    expect((await rawUpgrade(server, { localAddress: '127.0.0.2' })).status).toBe(101);
  });

  it.runIf(redisUp)('limits the rate across instances that share Redis', async () => {
    const env = {
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: `parley-test-${randomUUID()}`,
      CONNECTIONS_PER_ADDRESS_PER_MINUTE: '4',
    };
    const a = await start(env);
    const b = await startTestServer({ env, shareDataWith: a });
    servers.push(b);
    const statuses: (number | string)[] = [];
    for (const server of [a, b, a, b, a, b]) {
      const answer = await rawUpgrade(server);
      statuses.push(answer.status);
      if ('socket' in answer) answer.socket.destroy();
    }
    expect(statuses).toEqual([101, 101, 101, 101, 429, 429]);
  });
});

describe('TRUST_PROXY and the per-address cap', () => {
  const servers: TestServer[] = [];
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('with one trusted hop, counts the address the proxy appended, whatever the client wrote before it', async () => {
    const server = await startTestServer({ env: { TRUST_PROXY: '1', MAX_CONNECTIONS_PER_ADDRESS: '3' } });
    servers.push(server);
    const answers = await attempts(30, 10, (i) =>
      rawUpgrade(server, { headers: { 'X-Forwarded-For': `10.9.${i}.1, 198.51.100.7` } }),
    );
    sockets.push(...held(answers).map((a) => a.socket));
    expect(held(answers)).toHaveLength(3);
    // Another client behind the same proxy is another address.
    const other = await rawUpgrade(server, { headers: { 'X-Forwarded-For': '198.51.100.8' } });
    expect(other.status).toBe(101);
    if ('socket' in other) sockets.push(other.socket);
  });

  it('without TRUST_PROXY, ignores X-Forwarded-For altogether', async () => {
    const server = await startTestServer({ env: { MAX_CONNECTIONS_PER_ADDRESS: '3' } });
    servers.push(server);
    const answers = await attempts(30, 10, (i) =>
      rawUpgrade(server, { headers: { 'X-Forwarded-For': `10.9.${i}.1` } }),
    );
    sockets.push(...held(answers).map((a) => a.socket));
    expect(held(answers)).toHaveLength(3);
    expect((await pollingHandshake(server)).status).toBe(429);
  });
});
