import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectUser, eventually, startTestServer, type TestServer, type TestUser } from '../test-support/index.js';
import { RawWebSocket } from '../test-support/raw-websocket.js';

/** Opens a raw connection and waits for Engine.IO's open packet. */
async function opened(server: TestServer): Promise<RawWebSocket> {
  const raw = await RawWebSocket.open(server.url);
  await eventually(() => raw.frames().texts.find((f) => f.startsWith('0{')));
  return raw;
}

async function connected(server: TestServer, token: string): Promise<{ raw: RawWebSocket; sid: string }> {
  const raw = await opened(server);
  raw.sendText(`40${JSON.stringify({ token })}`);
  const frame = await eventually(() => raw.frames().texts.find((f) => f.startsWith('40{')));
  return { raw, sid: (JSON.parse(frame.slice(2)) as { sid: string }).sid };
}

/** The close frame's code once the server closed: 1005 when it sent none, as Socket.IO does. */
function closeCode(raw: RawWebSocket): Promise<number> {
  return eventually(() => raw.frames().closeCode);
}

/**
 * Where a client could tell Parley's WebSocket endpoint from Socket.IO 4.8, it answers as
 * Socket.IO does (engine.io lib/socket.ts, socket.io lib/client.ts).
 */
describe("the direct endpoint's conformance with Socket.IO", () => {
  let server: TestServer;
  let alice: TestUser;
  beforeAll(async () => {
    server = await startTestServer({
      env: { PING_INTERVAL_MS: '1500', PING_TIMEOUT_MS: '100', CONNECT_TIMEOUT_MS: '300' },
    });
    alice = await connectUser(server);
  });
  afterAll(async () => {
    alice.client.close();
    await server.close();
  });

  it('closes on a client ping `2` or `2probe` ("invalid heartbeat direction"), without a close code', async () => {
    for (const ping of ['2', '2probe']) {
      const raw = await opened(server);
      raw.sendText(ping);
      expect(await closeCode(raw)).toBe(1005);
      expect(raw.frames().texts.some((f) => f.startsWith('3'))).toBe(false);
      raw.destroy();
    }
    expect(server.logs.some((l) => l.includes('"reason":"invalid heartbeat direction"'))).toBe(true);
  });

  it('leaves the namespace on DISCONNECT `41`, keeps the WebSocket open, and may CONNECT again', async () => {
    const { raw, sid } = await connected(server, alice.token);
    raw.sendText('41');
    await eventually(() => (server.app.io.of('/').sockets.has(sid) ? undefined : true));
    expect(raw.frames().closeCode).toBeUndefined();
    raw.sendText(`40${JSON.stringify({ token: alice.token })}`);
    await eventually(() => (raw.frames().texts.filter((f) => f.startsWith('40{')).length === 2 ? true : undefined));
    raw.sendText('421["room:list",{}]');
    expect(await eventually(() => raw.frames().texts.find((f) => f.startsWith('431[')))).toContain('"ok":true');
    raw.destroy();
  });

  it('closes a connection that joins no namespace after the fixed connect timeout, not a ping interval', async () => {
    const openedAt = Date.now();
    const raw = await opened(server);
    // CONNECT_TIMEOUT_MS is 300. Pings are answered, so the heartbeat (pinging in slots spread
    // over the 1,500 ms interval, with a 100 ms timeout) has no reason to cut the connection:
    // only the connect timeout does, at 300 ms, long before a ping interval has passed.
    let answered = 0;
    const closeCode = await eventually(() => {
      const { texts, closeCode } = raw.frames();
      const pings = texts.filter((text) => text === '2').length;
      for (; answered < pings; answered += 1) raw.sendText('3');
      return closeCode;
    }, 1200);
    expect(closeCode).toBe(1005);
    const closedAfter = Date.now() - openedAt;
    expect(closedAfter).toBeGreaterThanOrEqual(290);
    expect(closedAfter).toBeLessThan(1500);
    raw.destroy();
  });

  it('notices a missing pong pingTimeout after the ping, not at the next ping round', async () => {
    const { raw } = await connected(server, alice.token);
    await eventually(() => (raw.frames().texts.includes('2') ? true : undefined), 3000);
    const pingedAt = Date.now();
    await closeCode(raw);
    // PING_TIMEOUT_MS is 100; the next round would come 1,500 ms after the ping.
    expect(Date.now() - pingedAt).toBeLessThan(1000);
    raw.destroy();
  });

  it('closes on a binary frame or a binary Socket.IO packet, without a close code', async () => {
    const binaryFrame = await connected(server, alice.token);
    binaryFrame.raw.sendFrame(2, Buffer.from([0x34, 0x32]));
    expect(await closeCode(binaryFrame.raw)).toBe(1005);
    const binaryEvent = await connected(server, alice.token);
    // A BINARY_EVENT with one attachment: refused (Parley's protocol has no binary).
    binaryEvent.raw.sendText('451-["room:list",{"_placeholder":true,"num":0}]');
    expect(await closeCode(binaryEvent.raw)).toBe(1005);
    binaryFrame.raw.destroy();
    binaryEvent.raw.destroy();
  });

  it('closes on other breaches without a close code, as Socket.IO does', async () => {
    const breaches = ['hello', '42["room:list",{}]', '40{"token":1}garbage'];
    for (const breach of breaches) {
      const raw = await opened(server);
      raw.sendText(breach);
      expect(await closeCode(raw)).toBe(1005);
      raw.destroy();
    }
  });
});
