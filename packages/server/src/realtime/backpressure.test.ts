import type { Socket as NetSocket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '@parley/protocol';
import {
  connectUser,
  eventually,
  expectOk,
  startTestServer,
  uniqueName,
  type TestServer,
  type TestUser,
} from '../test-support/index.js';
import { RawWebSocket } from '../test-support/raw-websocket.js';

const BODY = 'x'.repeat(3980);

/** A room with `count` messages of 4,000 characters: each catch-up from seq 0 answers ~count × 4 KB. */
async function roomOfLargeMessages(owner: TestUser, count: number): Promise<string> {
  const { room } = expectOk(await owner.client.request('room:create', { name: uniqueName('big') }));
  for (let i = 0; i < count; i += 1) expectOk(await owner.client.sendMessage(room.id, `${i} ${BODY}`));
  return room.id;
}

async function signedInRaw(server: TestServer, token: string): Promise<RawWebSocket & { sid: string }> {
  const raw = await RawWebSocket.open(server.url);
  await eventually(() => raw.frames().texts.find((f) => f.startsWith('0{')));
  raw.sendText(`40${JSON.stringify({ token })}`);
  const connected = await eventually(() => raw.frames().texts.find((f) => f.startsWith('40{')));
  const { sid } = JSON.parse(connected.slice(2)) as { sid: string };
  return Object.assign(raw, { sid });
}

/** Connections the server cut on `transport`, for `reason` or for any reason. */
async function cutCount(server: TestServer, transport: string, reason?: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const prefix = `parley_connections_cut_total{transport="${transport}",reason="${reason ?? ''}`;
  const lines = text
    .split('\n')
    .filter((l) => l.startsWith(prefix) && (reason === undefined || l.startsWith(`${prefix}"}`)));
  return lines.reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

describe('backpressure on the realtime transports', () => {
  let server: TestServer;
  let owner: TestUser;
  let roomId: string;
  beforeAll(async () => {
    server = await startTestServer({
      env: {
        MAX_BACKLOG_BYTES: String(1024 * 1024),
        PING_INTERVAL_MS: '400',
        PING_TIMEOUT_MS: '400',
        // The owner sends thousands of messages as fast as acks come back: the event limit is not under test.
        RATE_LIMIT_PER_SEC: '100000',
        RATE_LIMIT_BURST: '100000',
      },
    });
    owner = await connectUser(server);
    roomId = await roomOfLargeMessages(owner, 100);
  }, 60_000);
  afterAll(async () => {
    owner.client.close();
    await server.close();
  });

  it('cuts a WebSocket client that asks for large answers and never reads them; memory stays bounded', async () => {
    const reader = await connectUser(server);
    const raw = await signedInRaw(server, reader.token);
    raw.pause();
    const rssBefore = process.memoryUsage().rss;
    // 200 catch-ups of ~400 KB: 80 MB the server would otherwise hold for this client.
    for (let i = 0; i < 200 && !raw.closed; i += 1) {
      raw.sendText(`42${i}${JSON.stringify(['room:join', { roomId, sinceSeq: 0 }])}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await eventually(async () => ((await cutCount(server, 'websocket', 'backlog over limit')) >= 1 ? true : undefined));
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(60 * 1024 * 1024);
    expect(server.logs.filter((l) => l.includes('"reason":"backlog over limit"'))).toHaveLength(1);
    // The SDK client of the same user, and everyone else, is served as before.
    expectOk(await reader.client.request('room:list', {}));
    raw.destroy();
    reader.client.close();
  });

  it('cuts a client whose backlog stops draining, however often it sends unsolicited pongs', async () => {
    const slow = await startTestServer({
      env: { MAX_BACKLOG_BYTES: String(512 * 1024 * 1024), PING_INTERVAL_MS: '300', PING_TIMEOUT_MS: '300' },
      shareDataWith: server,
    });
    try {
      const reader = await connectUser(slow);
      const raw = await signedInRaw(slow, reader.token);
      raw.pause();
      // ~16 MB: past what the kernel's socket buffers hold, far under the cap.
      for (let i = 0; i < 40; i += 1) raw.sendText(`42${i}${JSON.stringify(['room:join', { roomId, sinceSeq: 0 }])}`);
      const pongs = setInterval(() => raw.sendText('3'), 50);
      try {
        await eventually(
          async () => ((await cutCount(slow, 'websocket', 'backlog not draining')) >= 1 ? true : undefined),
          10_000,
        );
      } finally {
        clearInterval(pongs);
      }
      raw.destroy();
      reader.client.close();
    } finally {
      await slow.close();
    }
  });

  it('answers WebSocket pings only while the backlog is small', async () => {
    const reader = await connectUser(server);
    const raw = await signedInRaw(server, reader.token);
    raw.sendFrame(9, 'p'.repeat(125));
    await eventually(() => (raw.frames().pongs === 1 ? true : undefined));
    raw.pause();
    // 100,000 pings of 125 bytes: 13 MB of pongs if every one were echoed to a client that does
    // not read (the kernel takes a few MB; ws's automatic pongs would queue the rest here).
    const ping = Buffer.alloc(125, 0x70);
    for (let burst = 0; burst < 100; burst += 1) {
      for (let i = 0; i < 1000; i += 1) raw.sendFrame(9, ping);
      raw.sendText('3'); // answers the heartbeat blindly: this test is about the pongs only
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // A client that reads nothing is cut in the end, but for not draining, never for its backlog.
    const line = await eventually(() => server.logs.find((l) => l.includes(`"socketId":"${raw.sid}"`)), 10_000);
    const { reason, backlogBytes } = JSON.parse(line) as { reason: string; backlogBytes: number };
    expect(reason).not.toBe('backlog over limit');
    expect(backlogBytes).toBeLessThan(128 * 1024);
    raw.destroy();
    reader.client.close();
  });

  it('cuts a long-polling session that never GETs once its buffer passes the cap', async () => {
    const reader = await connectUser(server);
    const base = `${server.url}/socket.io/?EIO=4&transport=polling`;
    const { sid } = JSON.parse((await (await fetch(base)).text()).slice(1)) as { sid: string };
    const post = (body: string) => fetch(`${base}&sid=${sid}`, { method: 'POST', body });
    expect((await post(`40${JSON.stringify({ token: reader.token })}`)).status).toBe(200);
    let refused = false;
    for (let i = 0; i < 20 && !refused; i += 1) {
      refused = (await post(`42${i}${JSON.stringify(['room:join', { roomId, sinceSeq: 0 }])}`)).status !== 200;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await eventually(async () => ((await cutCount(server, 'polling', 'backlog over limit')) >= 1 ? true : undefined));
    // The session is gone: engine.io answers its sid 400 "Session ID unknown".
    await eventually(async () => ((await post('3')).status === 400 ? true : undefined));
    expectOk(await reader.client.request('room:list', {}));
    reader.client.close();
  });

  it('lets an SDK client that was cut reconnect and catch up with every message, in order', async () => {
    const reader = await connectUser(server);
    expectOk(await reader.client.joinRoom(roomId));
    const seen: Message[] = [];
    reader.client.onMessages((id, messages) => id === roomId && seen.push(...messages));
    // Stop reading under the SDK's WebSocket, as a phone losing its network would.
    const engine = reader.client.socket.io.engine as unknown as { transport: { ws: { _socket: NetSocket } } };
    const tcp = engine.transport.ws._socket;
    tcp.pause();
    const cutsBefore = await cutCount(server, 'websocket');
    const sent: number[] = [];
    // Messages in batches until the server cuts the reader (the kernel's buffers take a few MB first).
    for (let batch = 0; batch < 80; batch += 1) {
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => owner.client.sendMessage(roomId, `late ${batch}.${i} ${BODY}`)),
      );
      sent.push(...results.map((result) => expectOk(result).message.seq));
      if ((await cutCount(server, 'websocket')) > cutsBefore) break;
    }
    expect(await cutCount(server, 'websocket')).toBeGreaterThan(cutsBefore);
    sent.sort((a, b) => a - b);
    tcp.resume();
    await eventually(() => (seen.length > 0 && seen.at(-1)?.seq === sent.at(-1) ? true : undefined), 15_000);
    const seqs = seen.map((m) => m.seq);
    expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
    expect(seqs.slice(-sent.length)).toEqual(sent);
    reader.client.close();
  });
});
