import { randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { SESSION_COOKIE } from '@parley/protocol';
import { register } from '@parley/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectUser,
  expectOk,
  TEST_PASSWORD,
  uniqueName,
  startTestServer,
  type TestServer,
} from '../test-support/index.js';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One raw HTTP exchange: Node's client neither asks for nor undoes a compressed answer. */
function exchange(url: string, method: 'GET' | 'POST', headers: Record<string, string>, body = ''): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: { ...headers, 'content-length': Buffer.byteLength(body) } });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.end(body);
  });
}

describe('long-polling answers', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('leave uncompressed, however large, whatever the client accepts', async () => {
    // A browser always sends Accept-Encoding; engine.io's default gzips every poll answer of
    // 1 KB or more for it, one zlib stream per answer per client (issue 17, long-polling).
    const alice = await connectUser(server);
    const { room } = expectOk(await alice.client.request('room:create', { name: uniqueName('gz') }));
    const long = 'compressible '.repeat(200);
    expectOk(await alice.client.request('message:send', { roomId: room.id, clientMsgId: randomUUID(), body: long }));

    const bob = await register(server.url, uniqueName(), TEST_PASSWORD);
    const headers = {
      cookie: `${SESSION_COOKIE}=${bob.token}`,
      'accept-encoding': 'gzip, deflate, br',
    };
    const base = `${server.url}/socket.io/?EIO=4&transport=polling`;
    const open = await exchange(base, 'GET', headers);
    expect(open.status).toBe(200);
    const sid = (JSON.parse(open.body.toString().slice(1)) as { sid: string }).sid;
    const session = `${base}&sid=${sid}`;
    expect((await exchange(session, 'POST', headers, '40')).status).toBe(200);
    expect((await exchange(session, 'GET', headers)).body.toString()).toMatch(/^40\{/);

    const join = exchange(session, 'POST', headers, `420["room:join",${JSON.stringify({ roomId: room.id })}]`);
    const answers: Answer[] = [];
    // Before the ack come the room's own events; a compressed answer would never show `430[`.
    while (answers.length < 5 && !answers.some((a) => a.body.includes('430[') || a.headers['content-encoding'])) {
      answers.push(await exchange(session, 'GET', headers));
    }
    expect((await join).status).toBe(200);
    for (const answer of answers) expect(answer.headers['content-encoding']).toBeUndefined();
    const joined = answers.find((answer) => answer.body.includes('430['));
    expect(joined?.body.length).toBeGreaterThan(2048);
    expect(joined?.body.toString()).toContain(long.trim());
    alice.client.close();
  });
});
