import type { Socket as NetSocket } from 'node:net';
import type { ServerEventName, ServerEventPayloads, User } from '@parley/protocol';
import { WebSocket } from 'ws';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { ConnectRefused, type ConnectionGate } from './connection-gate.js';
import type { Connection } from './connection.js';
import { roomChannel, sessionChannel, userChannel } from './fanout.js';
import type { DispatchEvent, EventOrigin } from './handle.js';
import type { TokenBucket } from './rate-limit.js';
import type { ParleyNamespace } from './socket-server.js';
import { namespaceMembers, type BroadcastWriteOptions, type NamespaceMember } from './socketio-contract.js';
import { tokenOfAuth } from './handshake.js';
import {
  DISCONNECT,
  PING,
  ackFrame,
  decodeClientFrame,
  encodeConnectError,
  encodeConnected,
  encodeEvent,
  newId,
  textFrame,
} from './socketio-wire.js';

/** What the server gives the endpoint for its connections. */
export interface EndpointServices {
  config: Config;
  log: Logger;
  metrics: Metrics;
  gate: ConnectionGate;
  dispatch: DispatchEvent;
  newBucket(): TokenBucket;
}

/** What every connection of one endpoint shares; a connection keeps one reference to it. */
export interface EndpointContext extends EndpointServices {
  /** Socket.IO's default namespace: its `sockets` map and (current) adapter take each connection. */
  nsp: ParleyNamespace;
  /** Called once when a connection is forgotten, so the endpoint stops pinging it. */
  forget(socket: DirectSocket): void;
}

/**
 * A WebSocket ping is echoed only while the connection's backlog is below this: a client that
 * floods pings and reads nothing would otherwise grow the server's memory by its pongs.
 */
const PONG_BACKLOG_LIMIT = 64 * 1024;

/** How long a closed connection may take to answer the close frame before it is dropped. */
const CUT_GRACE_MS = 1000;

/** Each broadcast's WebSocket frame, built once for all of its recipients on this endpoint. */
const broadcastFrames = new WeakMap<BroadcastWriteOptions, Buffer>();

/**
 * The TCP sockets that were sent an ack in this turn of the event loop, corked until the turn's
 * end: the ack and the frames that follow it in the turn leave in one system call. On the
 * durable path a sender's ack and the room's `message:new` are written in the same turn (the
 * fan-out's flush is scheduled before the ack is written), and a write was the largest single
 * cost of an acknowledged message (issue 17: ~10 µs each, a quarter to a third of the server's
 * busy time).
 */
let corkedThisTurn: NetSocket[] = [];

function uncorkTurn(): void {
  const sockets = corkedThisTurn;
  corkedThisTurn = [];
  for (const wire of sockets) wire.uncork();
}

/**
 * One connection. Besides being Parley's {@link Connection} and an {@link EventOrigin}, it is a
 * {@link NamespaceMember}: it answers the few calls Socket.IO makes on a socket of the namespace.
 *
 * Where a client could tell, it behaves as Socket.IO 4.8 does (engine.io lib/socket.ts, socket.io
 * lib/client.ts and namespace.ts): a protocol breach closes the WebSocket without a close code;
 * a client ping is "invalid heartbeat direction"; DISCONNECT leaves the namespace only; a missing
 * pong is noticed `pingTimeout` after the ping; a connection that joins no namespace is closed
 * after the fixed connect timeout. Where it differs, the comment at that place says why.
 */
export class DirectSocket implements Connection, EventOrigin, NamespaceMember {
  readonly id = newId();
  user!: User;
  bucket!: TokenBucket;
  private state: 'handshake' | 'admitting' | 'connected' | 'closed' = 'handshake';
  /** The heartbeat round of the ping still unanswered, or undefined. */
  private awaitingPongOf: number | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  /** The backlog at the previous heartbeat, and whether it drained since. */
  private backlogAtBeat = 0;
  private drainedSinceBeat = false;
  private readonly cap: number;

  constructor(
    private readonly shared: EndpointContext,
    private readonly ws: WebSocket,
    /** The TCP socket under `ws`: every frame Parley sends is written here, one write each. */
    private readonly wire: NetSocket,
    private cookieToken: string | undefined,
  ) {
    this.cap = shared.config.maxConnectionBacklogBytes;
    this.armConnectTimeout();
    wire.on('drain', () => (this.drainedSinceBeat = true));
  }

  get socketId(): string {
    return this.id;
  }

  /** Bytes written to this connection that the client has not taken yet. */
  get backlogBytes(): number {
    return this.wire.writableLength;
  }

  /** Socket.IO's adapter writes broadcasts to `socket.client`. */
  get client(): this {
    return this;
  }

  /**
   * Every frame Parley sends leaves as one buffer in one write, straight to the TCP socket (ws's
   * own send would cork, write a header and a payload, and uncork). ws still reads, and sends the
   * close frame and pongs; without compression it never queues frames, so order holds. After the
   * write, the unsent backlog is one number compared with the cap.
   */
  send(text: string): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.write(textFrame(text));
  }

  /**
   * An acknowledgement corks the socket until the turn's end (one `setImmediate` for all
   * sockets, scheduled after any fan-out flush this turn already asked for): on the durable path
   * the room's `message:new` to the sender is written in that flush and joins the ack's write.
   * Only acks cork: a fan-out recipient with nothing else to receive is written at once, as
   * before (corking every recipient cost each of a large room's deliveries a cork, a buffered
   * chunk and an uncork).
   */
  private sendAck(frame: Buffer): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (this.wire.writableCorked === 0) {
      this.wire.cork();
      if (corkedThisTurn.length === 0) setImmediate(uncorkTurn);
      corkedThisTurn.push(this.wire);
    }
    this.write(frame);
  }

  emit<E extends ServerEventName>(event: E, payload: ServerEventPayloads[E]): void {
    this.send(encodeEvent(event, payload));
  }

  writeToEngine(encodedPackets: unknown[], options: BroadcastWriteOptions): void {
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
    this.write(frame);
  }

  /**
   * Writes a frame, joining an ack's cork when there is one. The order of frames is the order of
   * the calls; ws's own frames (pong, close) join the same buffer in order. A corked frame counts
   * in the backlog at once, so the cap applies as before.
   */
  private write(frame: Buffer): void {
    this.wire.write(frame);
    if (this.wire.writableLength > this.cap) this.cutForBacklog('backlog over limit');
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

  /** Closes without a Socket.IO disconnect (the client reconnects elsewhere), as engine.io does: no close code. */
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
      this.ws.close();
    });
  }

  /**
   * This connection's turn of the heartbeat (once per ping interval). A backlog that neither
   * drained nor shrank since the previous turn belongs to a client that reads nothing: it is cut
   * whatever it sends (an unsolicited pong does not count). Then it is pinged; the endpoint calls
   * {@link checkPong} `pingTimeout` later.
   */
  heartbeat(round: number): void {
    if (this.state === 'closed') return;
    const backlog = this.wire.writableLength;
    if (backlog > 0 && !this.drainedSinceBeat && backlog >= this.backlogAtBeat && this.backlogAtBeat > 0) {
      return this.cutForBacklog('backlog not draining');
    }
    this.backlogAtBeat = backlog;
    this.drainedSinceBeat = false;
    if (this.awaitingPongOf !== undefined) return; // a ping is out; checkPong decides
    this.awaitingPongOf = round;
    this.send(PING);
  }

  checkPong(round: number): void {
    if (this.state !== 'closed' && this.awaitingPongOf === round) this.cut('ping timeout');
  }

  /** WebSocket ping (control frame): answered only while little is waiting to be sent. */
  answerPing(data: Buffer): void {
    if (this.ws.readyState === WebSocket.OPEN && this.wire.writableLength < PONG_BACKLOG_LIMIT) this.ws.pong(data);
  }

  receive(data: Buffer, isBinary: boolean): void {
    // Socket.IO's decoder throws on binary data it is not reconstructing, and the client closes
    // the connection; Parley's protocol has no binary, so any binary frame is refused the same way.
    if (isBinary) return this.cut('binary frame');
    const packet = decodeClientFrame(data.toString());
    switch (packet.kind) {
      case 'pong':
        this.awaitingPongOf = undefined;
        return;
      case 'ping':
        // Engine.IO v4: only the server pings. This also ends the echo a non-reading client used.
        return this.cut('invalid heartbeat direction');
      case 'close':
        return this.end();
      case 'connect':
        if (packet.namespace !== '/') return this.send(encodeConnectError(packet.namespace, 'Invalid namespace'));
        if (this.state !== 'handshake') return this.cut('connect in the wrong state');
        return void this.connect(packet.auth);
      case 'disconnect':
        if (packet.namespace !== '/' || this.state !== 'connected') return this.cut('disconnect in the wrong state');
        return this.leaveNamespace();
      case 'event':
        if (packet.namespace !== '/' || this.state !== 'connected') return this.cut('event before connect');
        return this.shared.dispatch(
          this,
          packet.event,
          packet.payload,
          packet.ackId === undefined ? undefined : this.ackSender(packet.ackId),
          data.length,
        );
      case 'ack':
        // Parley never asks a client for an acknowledgement; Socket.IO ignores an unknown ack id.
        if (packet.namespace !== '/' || this.state !== 'connected') return this.cut('ack before connect');
        return;
      case 'invalid':
        return this.cut(packet.reason);
    }
  }

  private ackSender(ackId: number) {
    return (result: unknown) => this.sendAck(ackFrame(ackId, result));
  }

  /**
   * Socket.IO closes a connection that has joined no namespace `connectTimeout` after it opened.
   * It does not re-arm that timer after a DISCONNECT; Parley does, so that a connection that left
   * the namespace cannot stay open unauthenticated for ever (a client can tell only by idling
   * `connectTimeout` without a namespace, which no Socket.IO client does).
   */
  private armConnectTimeout(): void {
    clearTimeout(this.connectTimer);
    this.connectTimer = setTimeout(() => {
      if (this.state === 'handshake') this.cut('no Socket.IO connect');
    }, this.shared.config.connectTimeoutMs).unref();
  }

  private async connect(auth: unknown): Promise<void> {
    this.state = 'admitting';
    const { gate, nsp } = this.shared;
    try {
      const admission = await gate.admit(tokenOfAuth(auth) ?? this.cookieToken);
      if (this.state !== 'admitting') return; // closed while the session was checked
      this.user = admission.user;
      this.bucket = this.shared.newBucket();
      this.state = 'connected';
      clearTimeout(this.connectTimer);
      // Socket.IO's order: registered in the namespace, CONNECT answered, then the channels.
      namespaceMembers(nsp).set(this.id, this);
      this.send(encodeConnected(this.id));
      // Socket.IO's sockets also join the room named by their id (`io.to(socketId)`).
      this.join([
        this.id,
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

  /** A client's DISCONNECT: it leaves the namespace, the WebSocket stays open (and may CONNECT again). */
  private leaveNamespace(): void {
    this.unregister();
    this.state = 'handshake';
    this.armConnectTimeout();
  }

  /** Closes for a breach of the protocol: counted, logged once, and closed as Socket.IO closes (no code). */
  private cut(reason: string): void {
    if (this.state === 'closed') return;
    this.record(reason);
    this.end();
  }

  /**
   * Closes a connection whose unsent backlog passed the cap or stopped draining. Socket.IO has no
   * such limit (it buffers without bound), so there is nothing to match: the close frame says why
   * (1008, policy violation), and the socket is dropped soon after, as the client is not reading.
   */
  private cutForBacklog(reason: string): void {
    if (this.state === 'closed') return;
    this.record(reason);
    this.ws.close(1008, reason);
    this.dropSoon();
    this.release();
  }

  private record(reason: string): void {
    this.shared.metrics.connectionsCut.labels('websocket', reason).inc();
    this.shared.log.warn({ reason, socketId: this.id, backlogBytes: this.backlogBytes }, 'websocket connection closed');
  }

  /** Closes the WebSocket and forgets the connection at once (its close event comes later). */
  private end(): void {
    this.ws.close();
    this.dropSoon();
    this.release();
  }

  /** A peer that does not answer the close frame is dropped, not waited for (ws would wait 30 s). */
  private dropSoon(): void {
    setTimeout(() => this.ws.terminate(), CUT_GRACE_MS).unref();
  }

  /** Forgets the connection everywhere; safe to call more than once. */
  release(): void {
    if (this.state === 'closed') return;
    this.unregister();
    this.state = 'closed';
    clearTimeout(this.connectTimer);
    this.cookieToken = undefined;
    this.shared.forget(this);
  }

  private unregister(): void {
    if (this.state !== 'connected') return;
    const { nsp } = this.shared;
    namespaceMembers(nsp).delete(this.id);
    void nsp.adapter.delAll(this.id);
    this.shared.gate.closed(this, 'websocket');
  }
}
