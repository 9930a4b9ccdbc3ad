import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import type { Message } from '@parley/protocol';
import {
  connectUser,
  eventually,
  expectOk,
  startTestServer,
  uniqueName,
  type TestServer,
} from '../test-support/index.js';
import { textFrame } from './direct-websocket.js';

/** A raw client of Parley's WebSocket endpoint, speaking Engine.IO/Socket.IO text packets by hand. */
class RawClient {
  readonly frames: string[] = [];
  closed = false;
  readonly ws: WebSocket;
  private readonly opened: Promise<void>;

  constructor(url: string) {
    this.ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`);
    this.ws.on('message', (data: Buffer) => this.frames.push(data.toString()));
    this.ws.on('close', () => (this.closed = true));
    this.ws.on('error', () => undefined);
    this.opened = new Promise((resolve) => this.ws.once('open', () => resolve()));
  }

  async send(frame: string | Buffer): Promise<void> {
    await this.opened;
    this.ws.send(frame);
  }

  /** The first frame received that starts with `prefix`. */
  frame(prefix: string): Promise<string> {
    return eventually(() => this.frames.find((f) => f.startsWith(prefix)));
  }

  async connect(token: string): Promise<string> {
    await this.frame('0{');
    await this.send(`40${JSON.stringify({ token })}`);
    return this.frame('40');
  }
}

describe('a broadcast frame', () => {
  it('is a text frame a ws client reads, for short, 16-bit and 64-bit lengths', async () => {
    // The production path: the upgraded TCP socket, written to directly.
    const wss = new WebSocketServer({ noServer: true });
    const wires: Duplex[] = [];
    const http = createServer();
    http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      wss.handleUpgrade(req, socket, head, () => wires.push(socket)),
    );
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const client = new WebSocket(`ws://127.0.0.1:${(http.address() as AddressInfo).port}`);
    const received: string[] = [];
    client.on('message', (data: Buffer, isBinary: boolean) => received.push(`${isBinary}:${data.toString()}`));
    try {
      await new Promise((resolve) => client.once('open', resolve));
      const wire = await eventually(() => wires[0]);
      const payloads = [0, 125, 126, 65_535, 65_536, 200_000].map(
        (length) => 'é'.repeat(Math.floor(length / 2)) + 'x'.repeat(length % 2),
      );
      for (const payload of payloads) wire.write(textFrame(payload));
      await eventually(() => (received.length === payloads.length ? true : undefined));
      expect(received).toEqual(payloads.map((payload) => `false:${payload}`));
    } finally {
      client.terminate();
      await new Promise((resolve) => http.close(resolve));
    }
  });
});

describe("Parley's own WebSocket endpoint", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      env: { PING_INTERVAL_MS: '300', PING_TIMEOUT_MS: '300', CONNECT_TIMEOUT_MS: '600' },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('serves a client that opens with a WebSocket, beside Socket.IO serving a long-polling client', async () => {
    const alice = await connectUser(server, { transport: 'websocket' });
    const bob = await connectUser(server, { transport: 'polling' });
    // Only the polling client is an Engine.IO session; both are sockets of the namespace.
    expect(server.app.io.engine.clientsCount).toBe(1);
    expect(server.app.io.of('/').sockets.size).toBe(2);

    const { room } = expectOk(await alice.client.request('room:create', { name: uniqueName('both') }));
    expectOk(await bob.client.joinRoom(room.id));
    const seenByAlice: Message[] = [];
    const seenByBob: Message[] = [];
    alice.client.onMessages((roomId, messages) => roomId === room.id && seenByAlice.push(...messages));
    bob.client.onMessages((roomId, messages) => roomId === room.id && seenByBob.push(...messages));
    expectOk(await alice.client.sendMessage(room.id, 'from the websocket'));
    expectOk(await bob.client.sendMessage(room.id, 'from long-polling'));
    for (const seen of [seenByAlice, seenByBob]) {
      await eventually(() => (seen.length === 2 ? true : undefined));
      expect(seen.map((m) => m.body)).toEqual(['from the websocket', 'from long-polling']);
    }

    alice.client.close();
    bob.client.close();
    await eventually(() => (server.app.io.of('/').sockets.size === 0 ? true : undefined));
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/parley_connections\{transport="websocket"\} 0/);
  });

  it('leaves a long-polling session that upgrades to WebSocket with Socket.IO, and it keeps working', async () => {
    const alice = await connectUser(server);
    alice.client.close();
    const socket = io(server.url, {
      transports: ['polling', 'websocket'],
      auth: { token: alice.token },
      forceNew: true,
    });
    try {
      await new Promise<void>((resolve) => socket.io.engine.once('upgrade', () => resolve()));
      expect(socket.io.engine.transport.name).toBe('websocket');
      const answer = (await socket.timeout(5000).emitWithAck('room:list', {})) as { ok: boolean };
      expect(answer.ok).toBe(true);
    } finally {
      socket.close();
    }
  });

  it('pings every connection, and closes one that stops answering', async () => {
    const alice = await connectUser(server);
    const raw = new RawClient(server.url);
    const open = JSON.parse((await raw.frame('0{')).slice(1)) as { pingInterval: number; upgrades: string[] };
    expect(open).toMatchObject({ pingInterval: 300, upgrades: [] });
    await raw.connect(alice.token);
    for (let pongs = 0; pongs < 3; pongs += 1) {
      await eventually(() => (raw.frames.filter((f) => f === '2').length > pongs ? true : undefined));
      await raw.send('3');
    }
    expect(raw.closed).toBe(false);
    // No more pongs: closed at the next sweep that finds its ping unanswered.
    await eventually(() => (raw.closed ? true : undefined), 2000);
    // The SDK client answered every ping meanwhile and still works.
    expectOk(await alice.client.request('room:list', {}));
    alice.client.close();
  });

  it('closes a connection that breaks the protocol, and keeps serving others', async () => {
    const alice = await connectUser(server);
    const breaches: ((raw: RawClient) => Promise<void>)[] = [
      (raw) => raw.send('hello'),
      (raw) => raw.send(Buffer.from([1, 2, 3])),
      (raw) => raw.send('42["room:list",{}]'), // an event before the Socket.IO connect
      async (raw) => {
        await raw.connect(alice.token);
        await raw.send('42not json');
      },
      async (raw) => {
        await raw.connect(alice.token);
        await raw.send('42{"not":"an array"}');
      },
      async () => Promise.resolve(), // never connects: closed after the connect timeout
    ];
    for (const breach of breaches) {
      const raw = new RawClient(server.url);
      await breach(raw);
      await eventually(() => (raw.closed ? true : undefined), 2000);
    }
    expectOk(await alice.client.request('room:list', {}));
    alice.client.close();
  });

  it('answers a raw client exactly as Socket.IO would: acks, refusals, other namespaces', async () => {
    const alice = await connectUser(server);
    const raw = new RawClient(server.url);
    await raw.frame('0{');
    await raw.send('40/admin,{}');
    expect(await raw.frame('44/admin,')).toBe('44/admin,{"message":"Invalid namespace"}');
    await raw.send('40{"token":"not-a-session"}');
    expect(JSON.parse((await raw.frame('44{')).slice(2))).toEqual({
      message: 'UNAUTHORIZED',
      data: { code: 'UNAUTHORIZED', message: 'sign in first' },
    });
    // After a refusal the same connection may try again, as socket.io-client does.
    await raw.send(`40${JSON.stringify({ token: alice.token })}`);
    const connected = JSON.parse((await raw.frame('40{')).slice(2)) as { sid: string };
    expect(connected.sid).toMatch(/^[\w-]{20}$/);
    await raw.send('427["room:list",{}]');
    const ack = JSON.parse((await raw.frame('437[')).slice(3)) as [{ ok: boolean; rooms: unknown[] }];
    expect(ack[0]).toMatchObject({ ok: true, rooms: expect.any(Array) as unknown });
    alice.client.close();
  });
});
