import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { Socket as NetSocket } from 'node:net';
import type { Duplex } from 'node:stream';
import { SESSION_COOKIE } from '@parley/protocol';
import type { WebSocket } from 'ws';
import { WebSocketServer } from 'ws';
import type { AddressGate } from './address-gate.js';
import { DirectSocket, type EndpointContext, type EndpointServices } from './direct-socket.js';
import type { ParleyServer } from './socket-server.js';
import { isOriginAllowed, parseRequestTarget, readCookie } from './handshake.js';
import { encodeOpen, newId } from './socketio-wire.js';

export { textFrame } from './socketio-wire.js';

/**
 * Parley's own endpoint for clients that open with a WebSocket (the SDK and the web app do):
 * it speaks the same Engine.IO v4 / Socket.IO v5 packets as Socket.IO, so no client can tell,
 * but an idle connection is a `ws` socket plus one small object, and a delivery is one write.
 *
 * Why (issue 6): a Socket.IO connection costs 2.3 × a bare `ws` socket's memory and each
 * delivery passes engine.io's per-socket buffer, flush and drain events. Socket.IO stays for
 * long-polling (and a polling session's upgrade) and as the adapter: each connection here is
 * registered in the default namespace and its adapter (see socketio-contract.ts for exactly
 * what that relies on, and which Socket.IO features do not reach these connections).
 * `WEBSOCKET_SERVER=socketio` leaves WebSocket clients to stock Socket.IO instead.
 */
export interface DirectWebSocketEndpoint {
  /** Closes every connection without a Socket.IO disconnect, so clients reconnect elsewhere. */
  close(): Promise<void>;
}

interface EndpointDeps extends EndpointServices {
  addressGate: AddressGate;
}

/**
 * One timer serves every connection, but pinging them all at once would stall the event loop
 * for tens of milliseconds per 10,000 connections every interval (a latency spike the fan-out
 * benchmark showed). Each tick of the timer takes one slot, so every connection is still pinged
 * once per interval, a slot at a time.
 */
const HEARTBEAT_SLOTS = 16;

function destroyOnError(this: Duplex): void {
  this.destroy();
}

type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export function attachDirectWebSocket(
  httpServer: HttpServer,
  io: ParleyServer,
  deps: EndpointDeps,
): DirectWebSocketEndpoint {
  const slots = Array.from({ length: HEARTBEAT_SLOTS }, () => new Set<DirectSocket>());
  const slotOf = new WeakMap<DirectSocket, number>();
  let nextSlot = 0;
  const shared: EndpointContext = {
    ...deps,
    nsp: io.of('/'),
    forget: (socket) => slots[slotOf.get(socket) ?? 0]?.delete(socket),
  };
  const wss = new WebSocketServer({
    noServer: true,
    // The same cut-off as Socket.IO's maxHttpBufferSize: twice the event limit.
    maxPayload: deps.config.maxEventBytes * 2,
    perMessageDeflate: false,
    clientTracking: false,
    // Pings are answered by DirectSocket.answerPing, only while its backlog is small.
    autoPong: false,
  });

  const open = (ws: WebSocket, wire: NetSocket, cookieToken: string | undefined) => {
    const socket = new DirectSocket(shared, ws, wire, cookieToken);
    slotOf.set(socket, nextSlot);
    slots[nextSlot]?.add(socket);
    nextSlot = (nextSlot + 1) % HEARTBEAT_SLOTS;
    ws.on('message', (data: Buffer, isBinary: boolean) => socket.receive(data, isBinary));
    ws.on('ping', (data: Buffer) => socket.answerPing(data));
    ws.on('close', () => socket.release());
    ws.on('error', (err) => deps.log.debug({ err }, 'websocket error'));
    const { pingIntervalMs, pingTimeoutMs, maxEventBytes } = deps.config;
    socket.send(
      encodeOpen({
        sid: newId(),
        pingInterval: pingIntervalMs,
        pingTimeout: pingTimeoutMs,
        maxPayload: maxEventBytes * 2,
      }),
    );
  };

  // Socket.IO's upgrade listener still serves everything that is not a fresh WebSocket
  // handshake: a long-polling session's upgrade, other Engine.IO versions, refusals.
  const socketIoUpgrade = httpServer.listeners('upgrade') as UpgradeListener[];
  httpServer.removeAllListeners('upgrade');
  let closed = false;
  httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node's HTTP server takes its error listener off an upgraded socket: until ws adds its own,
    // a reset (while the address gate decides, or while a refusal is written) would be an
    // uncaught 'error' event (found by the fuzz suite). One shared listener, for the socket's life.
    socket.on('error', destroyOnError);
    // Shutting down: a connection opened now would only hold the server's close open.
    if (closed) return void socket.destroy();
    // Whatever an upgrade request carries, it costs at most its own connection (issue 10).
    try {
      const target = parseRequestTarget(req.url);
      if (!target) return refuseUpgrade(socket, deps, 'request target is not a URL');
      if (
        socket instanceof NetSocket &&
        isFreshHandshake(target, io.path()) &&
        isOriginAllowed(req, deps.config.allowedOrigins)
      ) {
        const cookieToken = readCookie(req.headers.cookie, SESSION_COOKIE);
        deps.addressGate.admitUpgrade(req, socket, () => {
          if (closed) return void socket.destroy();
          // ws writes its 101 answer and open() the Engine.IO open packet in this same turn: held
          // together they leave in one system call instead of two (issue 17, reconnect storm).
          socket.cork();
          try {
            wss.handleUpgrade(req, socket, head, (ws) => open(ws, socket, cookieToken));
          } finally {
            socket.uncork();
          }
        });
        return;
      }
      for (const listener of socketIoUpgrade) listener.call(httpServer, req, socket, head);
    } catch (err) {
      deps.log.warn({ err }, 'websocket upgrade failed');
      if (!socket.destroyed) socket.destroy();
    }
  });

  // Each connection's turn comes once per interval: it is pinged, and `pingTimeout` later one
  // timer per tick checks the pongs of exactly the connections that tick pinged.
  let round = 0;
  const heartbeat = setInterval(() => {
    round += 1;
    const slot = slots[round % HEARTBEAT_SLOTS];
    if (!slot || slot.size === 0) return;
    const pinged = round;
    for (const socket of slot) socket.heartbeat(pinged);
    setTimeout(() => {
      for (const socket of slot) socket.checkPong(pinged);
    }, deps.config.pingTimeoutMs).unref();
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

function isFreshHandshake(url: URL, path: string): boolean {
  const { searchParams: query } = url;
  return (
    url.pathname === `${path}/` &&
    query.get('EIO') === '4' &&
    query.get('transport') === 'websocket' &&
    !query.has('sid')
  );
}

/** Answers an upgrade that cannot be read with 400, as Node's HTTP server answers a malformed request. */
function refuseUpgrade(socket: Duplex, deps: EndpointDeps, reason: string): void {
  deps.metrics.connectionsCut.labels('websocket', 'bad request').inc();
  deps.log.warn({ reason }, 'websocket upgrade refused');
  socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
}
