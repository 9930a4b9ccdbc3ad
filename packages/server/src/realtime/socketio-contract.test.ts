import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '@parley/protocol';
import {
  connectUser,
  databaseKinds,
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
    // Any event will do: the adapter's path does not depend on it. (The typed emit takes only the protocol's.)
    const broadcast = server.app.io.to(`user:${alice.user.id}`);
    (broadcast.emit as (event: string, payload: unknown) => boolean).call(broadcast, 'contract:probe', { probe: 1 });
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

describe.each(await databaseKinds())('the direct endpoint on %s', (kind) => {
  let server: TestServer;
  let owner: TestUser;
  beforeAll(async () => {
    server = await startTestServer({ kind });
    owner = await connectUser(server);
  });
  afterAll(async () => {
    owner.client.close();
    await server.close();
  });

  it("writes a sender's ack and the room's message:new of one turn in one write, ack first", async () => {
    const { room } = expectOk(await owner.client.request('room:create', { name: uniqueName('corked') }));
    const { raw, direct } = await connectedRaw(server, owner.token);
    await eventually(() =>
      server.app.io.of('/').adapter.rooms.get(`room:${room.id}`)?.has(direct.id) ? true : undefined,
    );
    // The TCP socket under the connection (private to DirectSocket): its stream hooks see every write.
    const wire = (direct as unknown as { wire: Socket }).wire;
    const writes: string[][] = [];
    const writeOne = wire._write.bind(wire);
    const writeMany = wire._writev?.bind(wire);
    wire._write = (chunk: Buffer, encoding, callback) => {
      writes.push([chunk.toString('latin1')]);
      writeOne(chunk, encoding, callback);
    };
    wire._writev = (chunks, callback) => {
      writes.push(chunks.map((c) => Buffer.from(c.chunk as Buffer).toString('latin1')));
      writeMany?.(chunks, callback);
    };
    raw.sendText(
      `4217${JSON.stringify(['message:send', { roomId: room.id, clientMsgId: randomUUID(), body: 'one write' }])}`,
    );
    await eventually(() => raw.frames().texts.find((f) => f.startsWith('42["message:new"')));
    const ack = raw.frames().texts.findIndex((f) => f.startsWith('4317['));
    const delivery = raw.frames().texts.findIndex((f) => f.startsWith('42["message:new"'));
    expect(ack).toBeGreaterThan(-1);
    expect(ack).toBeLessThan(delivery);
    // Both frames went to the kernel in the same call.
    const carrying = writes.filter((w) => w.some((c) => c.includes('one write')));
    expect(carrying).toHaveLength(1);
    expect(carrying[0]).toHaveLength(2);
    raw.destroy();
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
