import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { SESSION_COOKIE, type ServerEventName, type ServerEventPayloads, type User } from '@parley/protocol';
import { WebSocket, WebSocketServer } from 'ws';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { AddressGate } from './address-gate.js';
import { ConnectRefused, type ConnectionGate } from './connection-gate.js';
import type { Connection } from './connection.js';
import { roomChannel, sessionChannel, userChannel } from './fanout.js';
import type { DispatchEvent, EventOrigin } from './handle.js';
import type { TokenBucket } from './rate-limit.js';
import type { ParleyNamespace, ParleyServer, ParleySocket } from './socket-server.js';
import { isOriginAllowed, readCookie, tokenOfAuth } from './handshake.js';
import {
  DISCONNECT,
  PING,
  decodeClientFrame,
  encodeAck,
  encodeConnectError,
  encodeConnected,
  encodeEvent,
  encodeOpen,
} from './socketio-wire.js';

/**
 * Parley's own endpoint for clients that open with a WebSocket (the SDK and the web app do):
 * it speaks the same Engine.IO v4 / Socket.IO v5 packets as Socket.IO, so no client can tell,
 * but an idle connection is a `ws` socket plus one small object, and a delivery is one write.
 *
 * Why (issue 6): a Socket.IO connection costs 2.3 × a bare `ws` socket's memory and each
 * delivery passes engine.io's per-socket buffer, flush and drain events. Socket.IO stays for
 * long-polling (and a polling session's upgrade) and as the adapter: each connection here is
 * registered in the default namespace and its adapter, so room broadcasts, `socketsJoin` and
 * `disconnectSockets` reach it on this instance and, through the Redis adapter, from any other.
 */
export interface DirectWebSocketEndpoint {
  /** Closes every connection without a Socket.IO disconnect, so clients reconnect elsewhere. */
  close(): Promise<void>;
}

interface EndpointDeps {
  config: Config;
  log: Logger;
  gate: ConnectionGate;
  dispatch: DispatchEvent;
  newBucket(): TokenBucket;
  addressGate: AddressGate;
}

/** What every connection of one endpoint shares; a connection keeps one reference to it. */
interface Shared extends EndpointDeps {
  /** Socket.IO's default namespace: its `sockets` map and (current) adapter take each connection. */
  nsp: ParleyNamespace;
  /** Every open connection, spread over heartbeat slots (see {@link HEARTBEAT_SLOTS}). */
  slots: Set<DirectSocket>[];
  nextSlot: number;
}

/**
 * One timer serves every connection, but pinging them all at once would stall the event loop
 * for tens of milliseconds per 10,000 connections every interval (a latency spike the fan-out
 * benchmark showed). Each tick of the timer takes one slot, so every connection is still pinged
 * once per interval, a slot at a time.
 */
const HEARTBEAT_SLOTS = 16;

type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** Each broadcast's WebSocket frame, built once for all of its recipients on this endpoint. */
const broadcastFrames = new WeakMap<object, Buffer>();

export function attachDirectWebSocket(
  httpServer: HttpServer,
  io: ParleyServer,
  deps: EndpointDeps,
): DirectWebSocketEndpoint {
  const slots = Array.from({ length: HEARTBEAT_SLOTS }, () => new Set<DirectSocket>());
  const shared: Shared = { ...deps, nsp: io.of('/'), slots, nextSlot: 0 };
  const wss = new WebSocketServer({
    noServer: true,
    // The same cut-off as Socket.IO's maxHttpBufferSize: twice the event limit.
    maxPayload: deps.config.maxEventBytes * 2,
    perMessageDeflate: false,
    clientTracking: false,
  });

  // Socket.IO's upgrade listener still serves everything that is not a fresh WebSocket
  // handshake: a long-polling session's upgrade, other Engine.IO versions, refusals.
  const socketIoUpgrade = httpServer.listeners('upgrade') as UpgradeListener[];
  httpServer.removeAllListeners('upgrade');
  let closed = false;
  httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Shutting down: a connection opened now would only hold the server's close open.
    if (closed) return void socket.destroy();
    if (isFreshHandshake(req, io.path()) && isOriginAllowed(req, deps.config.allowedOrigins)) {
      const cookieToken = readCookie(req.headers.cookie, SESSION_COOKIE);
      deps.addressGate.admitUpgrade(req, socket, () =>
        closed
          ? socket.destroy()
          : wss.handleUpgrade(req, socket, head, (ws) => openSocket(shared, ws, socket, cookieToken)),
      );
      return;
    }
    for (const listener of socketIoUpgrade) listener.call(httpServer, req, socket, head);
  });

  // Each connection's turn comes once per interval: it checks the pong to the previous ping, then pings.
  let tick = 0;
  const heartbeat = setInterval(() => {
    for (const socket of slots[tick % HEARTBEAT_SLOTS] ?? []) socket.heartbeat();
    tick += 1;
  }, deps.config.pingIntervalMs / HEARTBEAT_SLOTS).unref();

  return {
    async close() {
      closed = true;
      clearInterval(heartbeat);
      const closing = slots.flatMap((slot) => [...slot]).map((socket) => socket.closeForShutdown());
      await Promise.all(closing);
    },
  };
}

function openSocket(shared: Shared, ws: WebSocket, wire: Duplex, cookieToken: string | undefined): void {
  const socket = new DirectSocket(shared, ws, wire, cookieToken);
  shared.slots[socket.slot]?.add(socket);
  ws.on('message', (data: Buffer, isBinary: boolean) => socket.receive(data, isBinary));
  ws.on('close', () => socket.release());
  ws.on('error', (err) => shared.log.debug({ err }, 'websocket error'));
  const { pingIntervalMs, pingTimeoutMs, maxEventBytes } = shared.config;
  socket.send(
    encodeOpen({
      sid: newId(),
      pingInterval: pingIntervalMs,
      pingTimeout: pingTimeoutMs,
      maxPayload: maxEventBytes * 2,
    }),
  );
}

/** A complete server-to-client text frame (RFC 6455 §5.2: FIN, opcode 1, unmasked), in one buffer. */
export function textFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x81;
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  frame.write(text, headerLength, 'utf8');
  return frame;
}

/** The same shape as Socket.IO's ids: 20 URL-safe characters. */
function newId(): string {
  return randomBytes(15).toString('base64url');
}

function isFreshHandshake(req: IncomingMessage, path: string): boolean {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const { searchParams: query } = url;
  return (
    url.pathname === `${path}/` &&
    query.get('EIO') === '4' &&
    query.get('transport') === 'websocket' &&
    !query.has('sid')
  );
}

/**
 * One connection. Besides being Parley's {@link Connection} and an {@link EventOrigin}, it
 * answers the few calls Socket.IO's adapter makes on a socket of the namespace: `client.
 * writeToEngine` for broadcasts, `join`/`leave`, `disconnect`, `_onclose` (on `io.close()`).
 */
class DirectSocket implements Connection, EventOrigin {
  readonly id = newId();
  /** Which heartbeat slot pings this connection. */
  readonly slot: number;
  user!: User;
  bucket!: TokenBucket;
  private state: 'handshake' | 'admitting' | 'connected' | 'closed' = 'handshake';
  private awaitingPong = false;
  private sweepsWithoutConnect = 0;

  constructor(
    private readonly shared: Shared,
    private readonly ws: WebSocket,
    /** The TCP socket under `ws`: every frame Parley sends is written here, one write each. */
    private readonly wire: Duplex,
    private cookieToken: string | undefined,
  ) {
    this.slot = shared.nextSlot;
    shared.nextSlot = (shared.nextSlot + 1) % HEARTBEAT_SLOTS;
  }

  get socketId(): string {
    return this.id;
  }

  /** Socket.IO's adapter writes broadcasts to `socket.client`. */
  get client(): this {
    return this;
  }

  /**
   * Every frame Parley sends leaves as one buffer in one write, straight to the TCP socket (ws's
   * own send would cork, write a header and a payload, and uncork). ws still reads, and sends the
   * close frame; without compression it never queues frames, so order holds.
   */
  send(text: string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.wire.write(textFrame(text));
  }

  emit<E extends ServerEventName>(event: E, payload: ServerEventPayloads[E]): void {
    this.send(encodeEvent(event, payload));
  }

  writeToEngine(encodedPackets: unknown[], options: object): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    const [packet] = encodedPackets;
    if (encodedPackets.length !== 1 || typeof packet !== 'string') {
      // Binary attachments are not part of Parley's protocol; nothing emits them.
      this.shared.log.warn({ packets: encodedPackets.length }, 'broadcast with binary parts dropped');
      return;
    }
    let frame = broadcastFrames.get(options);
    if (!frame) {
      frame = textFrame(`4${packet}`);
      broadcastFrames.set(options, frame);
    }
    this.wire.write(frame);
  }

  join(rooms: string | string[]): void {
    void this.shared.nsp.adapter.addAll(this.id, new Set(Array.isArray(rooms) ? rooms : [rooms]));
  }

  leave(room: string): void {
    void this.shared.nsp.adapter.del(this.id, room);
  }

  /** Server-side disconnect (sign-out): the client is told, and does not reconnect. */
  disconnect(): this {
    if (this.state === 'connected') this.send(DISCONNECT);
    this.end();
    return this;
  }

  /** `io.close()` calls this on every socket of the namespace. */
  _onclose(): void {
    void this.closeForShutdown();
  }

  closeForShutdown(): Promise<void> {
    this.release();
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      // A peer that does not answer the close frame is cut off after a second.
      const cutOff = setTimeout(() => this.ws.terminate(), 1000).unref();
      this.ws.once('close', () => {
        clearTimeout(cutOff);
        resolve();
      });
      this.ws.close(1001);
    });
  }

  heartbeat(): void {
    if (this.state !== 'connected' && this.state !== 'admitting') {
      // Socket.IO closes a connection that joins no namespace within its connect timeout.
      this.sweepsWithoutConnect += 1;
      if (this.sweepsWithoutConnect >= 2) return this.fail('no Socket.IO connect');
    }
    if (this.awaitingPong) return this.fail('ping timeout');
    this.awaitingPong = true;
    this.send(PING);
  }

  receive(data: Buffer, isBinary: boolean): void {
    if (isBinary) return this.fail('binary frame');
    const packet = decodeClientFrame(data.toString());
    switch (packet.kind) {
      case 'pong':
        this.awaitingPong = false;
        return;
      case 'ping':
        return this.send(`3${packet.probe}`);
      case 'close':
        return this.end();
      case 'connect':
        if (packet.namespace !== '/') return this.send(encodeConnectError(packet.namespace, 'Invalid namespace'));
        return void this.connect(packet.auth);
      case 'disconnect':
        if (packet.namespace !== '/') return;
        return this.end();
      case 'event':
        if (packet.namespace !== '/' || this.state !== 'connected') return this.fail('event before connect');
        return this.shared.dispatch(
          this,
          packet.event,
          packet.payload,
          packet.ackId === undefined ? undefined : this.ackSender(packet.ackId),
          data.length,
        );
      case 'ack':
        return; // Parley never asks a client for an acknowledgement.
      case 'invalid':
        return this.fail(packet.reason);
    }
  }

  private ackSender(ackId: number) {
    return (result: unknown) => this.send(encodeAck(ackId, result));
  }

  private async connect(auth: unknown): Promise<void> {
    if (this.state !== 'handshake') return;
    this.state = 'admitting';
    const { gate, nsp } = this.shared;
    try {
      const admission = await gate.admit(tokenOfAuth(auth) ?? this.cookieToken);
      if (this.state !== 'admitting') return; // closed while the session was checked
      this.user = admission.user;
      this.bucket = this.shared.newBucket();
      this.cookieToken = undefined;
      this.state = 'connected';
      // Socket.IO's order: registered in the namespace, CONNECT answered, then the channels.
      // The adapter only calls the handful of socket methods this class has (see above).
      nsp.sockets.set(this.id, this as unknown as ParleySocket);
      this.send(encodeConnected(this.id));
      this.join([
        userChannel(admission.user.id),
        sessionChannel(admission.tokenHash),
        ...admission.roomIds.map(roomChannel),
      ]);
      gate.opened(this, 'websocket');
    } catch (error) {
      if (this.state !== 'admitting') return;
      this.state = 'handshake';
      const refusal = error instanceof ConnectRefused ? error : new ConnectRefused('INTERNAL', 'handshake failed');
      if (!(error instanceof ConnectRefused)) this.shared.log.error({ err: error }, 'handshake failed');
      this.send(encodeConnectError('/', refusal.message, refusal.data));
    }
  }

  private fail(reason: string): void {
    this.shared.log.debug({ reason, socketId: this.id }, 'websocket closed: protocol');
    this.end(1002);
  }

  /** Closes the WebSocket and forgets the connection at once (its close event comes later). */
  private end(code?: number): void {
    this.ws.close(code);
    this.release();
  }

  /** Forgets the connection everywhere; safe to call more than once. */
  release(): void {
    const wasConnected = this.state === 'connected';
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.shared.slots[this.slot]?.delete(this);
    if (!wasConnected) return;
    const { nsp } = this.shared;
    nsp.sockets.delete(this.id);
    void nsp.adapter.delAll(this.id);
    this.shared.gate.closed(this, 'websocket');
  }
}
