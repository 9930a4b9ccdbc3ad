import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { requestSchemas } from '@parley/protocol';
import { connectUser, expectOk, startTestServer, uniqueName, type TestServer } from '../test-support/index.js';

/** Shapes an attacker sends instead of a payload: every one must be refused as a value, never INTERNAL. */
const deepArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const deepObject = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
const hostilePayloads = [
  '{"__proto__":{"admin":true},"roomId":"r"}',
  '{"constructor":{"prototype":{"x":1}},"toString":1,"valueOf":"v","hasOwnProperty":2}',
  '{"roomId":{"__proto__":null},"body":{"toString":"x"},"name":{"length":9e999}}',
  '{"sinceSeq":1e308,"limit":-0,"roomId":"r","ttlSeconds":9007199254740993,"capacity":1e-320}',
  '{"ids":[' + Array.from({ length: 2000 }, () => '1e400').join(',') + ']}',
  '{"to":"bob","callId":"c","kind":"offer","data":' + deepArray(20_000) + '}',
  '{"to":"bob","callId":"c","kind":"offer","data":{"__proto__":' + deepObject(5000) + '}}',
  deepArray(25_000),
  '123456789012345678901234567890e99999',
];

/** A signed-in raw WebSocket: frames exactly as written, answers collected by ack id. */
async function rawSession(server: TestServer, token: string) {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
  const frames: string[] = [];
  ws.on('message', (data: Buffer) => frames.push(data.toString()));
  await new Promise((resolve) => ws.once('open', resolve));
  ws.send(`40${JSON.stringify({ token })}`);
  await waitFor(() => frames.some((f) => f.startsWith('40{')));
  return {
    frames,
    send: (text: string) => ws.send(text),
    answer: async (ackId: number) => {
      const prefix = `43${ackId}[`;
      await waitFor(() => frames.some((f) => f.startsWith(prefix)));
      const frame = frames.find((f) => f.startsWith(prefix)) as string;
      return (
        JSON.parse(frame.slice(prefix.length - 1)) as [{ ok: boolean; error?: { code: string; message: string } }]
      )[0];
    },
    close: () => ws.close(),
  };
}

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('hostile payload shapes', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { MAX_EVENT_BYTES: '262144' } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers call:signal data nested 20,000 deep with BAD_REQUEST naming data, logged at warn', async () => {
    const alice = await connectUser(server);
    const raw = await rawSession(server, alice.token);
    raw.send(`421["call:signal",{"to":"bob_b","callId":"c1","kind":"offer","data":${deepArray(20_000)}}]`);
    const answer = await raw.answer(1);
    expect(answer).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(answer.error?.message).toMatch(/^data: must be nested at most/);
    const refusal = server.logs.find((line) => line.includes('"event refused"') && line.includes('call:signal'));
    expect(refusal).toBeDefined();
    expect(JSON.parse(refusal as string)).toMatchObject({ level: 40, code: 'BAD_REQUEST' });
    raw.close();
    alice.client.close();
  });

  it('answers every event with prototype keys, huge numbers and deep arrays without INTERNAL', async () => {
    const alice = await connectUser(server);
    const raw = await rawSession(server, alice.token);
    const events = [...Object.keys(requestSchemas), '__proto__', 'constructor', 'toString', 'hasOwnProperty'];
    let ackId = 0;
    for (const event of events) {
      for (const payload of hostilePayloads) {
        ackId += 1;
        raw.send(`42${ackId}[${JSON.stringify(event)},${payload}]`);
        const answer = await raw.answer(ackId);
        expect(answer.error?.code, `${event} ${payload.slice(0, 80)}`).not.toBe('INTERNAL');
      }
      // Each connection's rate budget is 1000/s here; pace so the answers are the schema's.
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(server.logs.filter((line) => line.includes('"event failed"'))).toEqual([]);
    expectOk(await alice.client.request('room:create', { name: uniqueName('alive') }));
    raw.close();
    alice.client.close();
  });

  it('lets a prototype key through as plain data, never as a prototype', async () => {
    const alice = await connectUser(server);
    const bob = await connectUser(server);
    const got: unknown[] = [];
    bob.client.on('call:signal', (signal) => got.push(signal));
    expectOk(await alice.client.request('buddy:request', { username: bob.user.username }));
    expectOk(await bob.client.request('buddy:respond', { username: alice.user.username, accept: true }));
    const raw = await rawSession(server, alice.token);
    const data = '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}';
    raw.send(`421["call:signal",{"to":"${bob.user.username}","callId":"c1","kind":"offer","data":${data}}]`);
    expect(await raw.answer(1)).toMatchObject({ ok: true });
    await waitFor(() => got.length === 1);
    expect(JSON.stringify((got[0] as { data: unknown }).data)).toBe(data);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    raw.close();
    alice.client.close();
    bob.client.close();
  });
});
