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
import { DirectSocket } from './direct-socket.js';
import { namespaceMembers, socketIoContractProblems, type BroadcastWriteOptions } from './socketio-contract.js';

async function connectedRaw(server: TestServer, token: string): Promise<{ raw: RawWebSocket; direct: DirectSocket }> {
  const raw = await RawWebSocket.open(server.url);
  await eventually(() => raw.frames().texts.find((f) => f.startsWith('0{')));
  raw.sendText(`40${JSON.stringify({ token })}`);
  const frame = await eventually(() => raw.frames().texts.find((f) => f.startsWith('40{')));
  const { sid } = JSON.parse(frame.slice(2)) as { sid: string };
  const direct = namespaceMembers(server.app.io.of('/')).get(sid);
  if (!(direct instanceof DirectSocket)) throw new Error('not a direct socket');
  return { raw, direct };
}

/**
 * The contract of socketio-contract.ts, checked against the installed socket.io, engine.io and
 * socket.io-adapter: an upgrade that breaks what the direct endpoint relies on fails here.
 */
describe("the direct endpoint's contract with Socket.IO's internals", () => {
  let server: TestServer;
  let alice: TestUser;
  beforeAll(async () => {
    server = await startTestServer();
    alice = await connectUser(server);
  });
  afterAll(async () => {
    alice.client.close();
    await server.close();
  });

  it('finds the internals it touches, with the expected shape', async () => {
    expect(socketIoContractProblems(server.app.io)).toEqual([]);
    const polling = await connectUser(server, { transport: 'polling' });
    const stock = [...server.app.io.of('/').sockets.values()].find((s) => !(s instanceof DirectSocket));
    expect(typeof (stock?.client as unknown as Record<string, unknown> | undefined)?.writeToEngine).toBe('function');
    polling.client.close();
  });

  it('receives a room broadcast through the adapter, one shared options object for all recipients', async () => {
    const first = await connectedRaw(server, alice.token);
    const second = await connectedRaw(server, alice.token);
    const seen: BroadcastWriteOptions[] = [];
    for (const { direct } of [first, second]) {
      const write = direct.writeToEngine.bind(direct);
      direct.writeToEngine = (packets, options) => {
        seen.push(options);
        write(packets, options);
      };
    }
    // A name outside the event map: the probe must not look like any real event.
    const broadcast = server.app.io.to(`user:${alice.user.id}`);
    (broadcast.emit as (event: string, payload: unknown) => boolean).call(broadcast, 'presence:changed', { probe: 1 });
    for (const { raw } of [first, second]) {
      await eventually(() => raw.frames().texts.find((f) => f.includes('{"probe":1}')));
    }
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe(seen[1]);
    first.raw.destroy();
    second.raw.destroy();
  });

  it('is reached by socketsJoin, socketsLeave and disconnectSockets', async () => {
    const { raw, direct } = await connectedRaw(server, alice.token);
    const extra = uniqueName('extra');
    server.app.io.in(direct.id).socketsJoin(extra);
    expect(server.app.io.of('/').adapter.rooms.get(extra)?.has(direct.id)).toBe(true);
    server.app.io.in(direct.id).socketsLeave(extra);
    expect(server.app.io.of('/').adapter.rooms.get(extra)).toBeUndefined();
    server.app.io.in(direct.id).disconnectSockets(true);
    await eventually(() => raw.frames().closeCode);
    expect(raw.frames().texts).toContain('41');
    expect(namespaceMembers(server.app.io.of('/')).has(direct.id)).toBe(false);
    raw.destroy();
  });

  it('is closed by io.close(), without a disconnect packet, so clients reconnect', async () => {
    const own = await startTestServer();
    try {
      const bob = await connectUser(own);
      const { raw } = await connectedRaw(own, bob.token);
      await new Promise<void>((resolve) => void own.app.io.close(() => resolve()));
      expect(await eventually(() => raw.frames().closeCode)).toBe(1005);
      expect(raw.frames().texts).not.toContain('41');
      raw.destroy();
      bob.client.close();
    } finally {
      await own.close();
    }
  });
});

describe('WEBSOCKET_SERVER', () => {
  for (const websocketServer of ['parley', 'socketio'] as const) {
    it(`=${websocketServer} serves an SDK WebSocket client that talks to a long-polling one`, async () => {
      const server = await startTestServer({ env: { WEBSOCKET_SERVER: websocketServer } });
      try {
        const alice = await connectUser(server, { transport: 'websocket' });
        const bob = await connectUser(server, { transport: 'polling' });
        // Stock Socket.IO makes every connection an Engine.IO session; Parley's endpoint does not.
        expect(server.app.io.engine.clientsCount).toBe(websocketServer === 'socketio' ? 2 : 1);
        const { room } = expectOk(await alice.client.request('room:create', { name: uniqueName('ws') }));
        expectOk(await bob.client.joinRoom(room.id));
        const seen: Message[] = [];
        bob.client.onMessages((roomId, messages) => roomId === room.id && seen.push(...messages));
        expectOk(await alice.client.sendMessage(room.id, 'over either server'));
        await eventually(() => (seen.length === 1 ? true : undefined));
        alice.client.close();
        bob.client.close();
      } finally {
        await server.close();
      }
    });
  }
});
