import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connectUser, eventually, expectOk, startTestServer, type TestServer } from '../test-support/index.js';

const UPGRADE_HEADERS = [
  'Connection: Upgrade',
  'Upgrade: websocket',
  'Sec-WebSocket-Version: 13',
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
];

/** Sends one raw HTTP request and resolves with the first bytes of the answer ('' when the socket just closed). */
function rawRequest(server: TestServer, target: string, headers: string[]): Promise<string> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n\r\n')) {
        socket.destroy();
        resolve(answer);
      }
    });
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${headers.join('\r\n')}\r\n\r\n`);
  });
}

/** The three requests that each stopped the whole server before (issue 10). */
describe('the requests that used to stop the server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  async function stillServesAnSdkClient(): Promise<void> {
    const alice = await connectUser(server);
    expectOk(await alice.client.request('room:list', {}));
    alice.client.close();
  }

  it('a WebSocket upgrade with a session cookie that is not valid percent-encoding is upgraded, then refused UNAUTHORIZED', async () => {
    const answer = await rawRequest(server, '/socket.io/?EIO=4&transport=websocket', [
      ...UPGRADE_HEADERS,
      'Cookie: parley_session=%E0',
    ]);
    expect(answer).toMatch(/^HTTP\/1\.1 101 /);
    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, {
      headers: { cookie: 'parley_session=%E0' },
    });
    const frames: string[] = [];
    ws.on('message', (data: Buffer) => frames.push(data.toString()));
    try {
      await eventually(() => frames.find((f) => f.startsWith('0{')));
      ws.send('40');
      expect(await eventually(() => frames.find((f) => f.startsWith('44')))).toMatch(/^44\{"message":"UNAUTHORIZED"/);
    } finally {
      ws.terminate();
    }
    await stillServesAnSdkClient();
  });

  it('an upgrade whose request target is not a URL (`//`, `//a:b`) is answered 400', async () => {
    for (const target of ['//', '//a:b']) {
      const answer = await rawRequest(server, target, UPGRADE_HEADERS);
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    }
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/parley_connections_cut_total\{transport="websocket",reason="bad request"\} 2/);
    await stillServesAnSdkClient();
  });

  it('a long-polling session with that cookie is refused UNAUTHORIZED at its Socket.IO connect', async () => {
    const cookie = { cookie: 'parley_session=%E0' };
    const base = `${server.url}/socket.io/?EIO=4&transport=polling`;
    const open = await (await fetch(base, { headers: cookie })).text();
    const { sid } = JSON.parse(open.slice(1)) as { sid: string };
    const post = await fetch(`${base}&sid=${sid}`, { method: 'POST', headers: cookie, body: '40' });
    expect(post.status).toBe(200);
    const answer = await (await fetch(`${base}&sid=${sid}`, { headers: cookie })).text();
    expect(answer).toMatch(/^44\{"message":"UNAUTHORIZED"/);
    await stillServesAnSdkClient();
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).not.toMatch(/parley_uncaught_errors_total [1-9]/);
  });
});
