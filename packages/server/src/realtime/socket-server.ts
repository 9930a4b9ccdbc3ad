import type { Server as HttpServer } from 'node:http';
import { SESSION_COOKIE, type ClientToServerEvents, type ServerToClientEvents } from '@parley/protocol';
import { Server, type Namespace, type Socket } from 'socket.io';
import type { Config } from '../config.js';
import type { AddressGate } from './address-gate.js';
import type { Logger } from '../log.js';
import {
  ConnectRefused,
  createConnectionGate,
  type Admission,
  type ConnectionGate,
  type ConnectionGateDeps,
} from './connection-gate.js';
import type { Connection } from './connection.js';
import { attachDirectWebSocket, type DirectWebSocketEndpoint } from './direct-websocket.js';
import { roomChannel, sessionChannel, userChannel } from './fanout.js';
import { capEngineBacklogs } from './engine-backlog.js';
import { routePlainEngineRequests, type EngineRequestHandler } from './engine-query.js';
import { createEventDispatcher, dispatchSocketIoEvents, type Handlers, type SocketData } from './handle.js';
import { readCookie, tokenOfAuth } from './handshake.js';
import { createTokenBucket } from './rate-limit.js';
import { walkOneRoomDirectly } from './one-room-apply.js';
import { socketIoContractProblems } from './socketio-contract.js';

export type ParleyServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type ParleySocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type ParleyNamespace = Namespace<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export interface RealtimeDeps extends ConnectionGateDeps {
  handlers: Handlers;
  addressGate: AddressGate;
}

export function createSocketServer(httpServer: HttpServer, config: Config, addressGate: AddressGate): ParleyServer {
  const io: ParleyServer = new Server(httpServer, {
    transports: config.transports,
    // Twice the event limit: an event a little too large is answered TOO_LARGE by the handler
    // wrapper; a frame past this is cut off by the transport before it is buffered.
    maxHttpBufferSize: config.maxEventBytes * 2,
    pingInterval: config.pingIntervalMs,
    pingTimeout: config.pingTimeoutMs,
    connectTimeout: config.connectTimeoutMs,
    // engine.io gzips every long-polling answer of 1 KB or more for a client that accepts it (every
    // browser does): a zlib stream per answer per client, so a message to a room cost each polling
    // member its own compression, and an answer would mix the room's messages, written by others,
    // with this client's own in one compressed body. Answers leave as they are, as on WebSocket.
    httpCompression: false,
    // Origin is checked on every request, this one included: AddressGate.attach.
    allowRequest: (req, callback) => addressGate.allowRequest(req, callback),
    ...(config.allowedOrigins.length > 0 ? { cors: { origin: config.allowedOrigins, credentials: true } } : {}),
  });
  addressGate.attach(io.engine);
  // Socket.IO types its engine without `opts`; engine.io's Server has it (read only to check the path).
  routePlainEngineRequests(httpServer, io.engine as unknown as EngineRequestHandler, io.path());
  return io;
}

/**
 * Authenticates every handshake, caps connections, and routes every event through the handlers,
 * on both of Parley's WebSocket paths: its own endpoint for a client that opens with a WebSocket,
 * and Socket.IO for long-polling (and a long-polling session that upgrades).
 */
export function acceptConnections(
  io: ParleyServer,
  httpServer: HttpServer,
  deps: RealtimeDeps,
): DirectWebSocketEndpoint | undefined {
  // The namespace's adapter is final here (app.ts attaches the Redis one before).
  walkOneRoomDirectly(io.of('/').adapter);
  const gate = createConnectionGate(deps);
  const dispatch = createEventDispatcher(deps.handlers, {
    log: deps.log,
    metrics: deps.metrics,
    maxEventBytes: deps.config.maxEventBytes,
    inFlight: deps.inFlight,
    outages: deps.outages,
  });
  const newBucket = () => createTokenBucket(deps.config.rateLimitPerSec, deps.config.rateLimitBurst);

  // Socket.IO runs middleware inside its own async code: a throw here would be an unhandled
  // rejection (issue 10). Every failure becomes a refusal of this one handshake instead.
  io.use((socket, next) => {
    admitHandshake(gate, socket).then(
      (admission) => {
        Object.assign(socket.data, admission, { bucket: newBucket() });
        next();
      },
      (error: unknown) => next(asRefusal(error, deps.log)),
    );
  });

  io.on('connection', (socket) => {
    const { user, tokenHash, roomIds, bucket } = socket.data;
    releaseHandshakeRequest(socket);
    let transport = socket.conn.transport.name;
    socket.conn.once('upgrade', () => {
      gate.transportChanged(transport, socket.conn.transport.name);
      transport = socket.conn.transport.name;
    });
    const connection: Connection = {
      user,
      socketId: socket.id,
      // The event map pairs each name with its payload; Socket.IO's emit cannot follow a generic name.
      emit: (event, payload) => (socket.emit as (e: string, p: unknown) => boolean)(event, payload),
    };
    socket.once('disconnect', () => gate.closed(connection, transport));
    void socket.join([userChannel(user.id), sessionChannel(tokenHash), ...roomIds.map(roomChannel)]);
    dispatchSocketIoEvents(socket, { user, socketId: socket.id, bucket }, dispatch);
    gate.opened(connection, transport);
  });

  capEngineBacklogs(io, { capBytes: deps.config.maxConnectionBacklogBytes, log: deps.log, metrics: deps.metrics });
  if (!deps.config.transports.includes('websocket') || deps.config.websocketServer === 'socketio') return undefined;
  const problems = socketIoContractProblems(io);
  if (problems.length > 0) {
    throw new Error(
      `Socket.IO no longer offers what Parley's WebSocket endpoint relies on (${problems.join('; ')}); ` +
        'set WEBSOCKET_SERVER=socketio or install the pinned socket.io version',
    );
  }
  return attachDirectWebSocket(httpServer, io, {
    config: deps.config,
    log: deps.log,
    metrics: deps.metrics,
    gate,
    dispatch,
    newBucket,
    addressGate: deps.addressGate,
  });
}

/** Reads the token and admits it; anything that throws on the way rejects the promise. */
async function admitHandshake(gate: ConnectionGate, socket: Socket): Promise<Admission> {
  await Promise.resolve();
  const token = tokenOfAuth(socket.handshake.auth) ?? readCookie(socket.handshake.headers.cookie, SESSION_COOKIE);
  return gate.admit(token);
}

function asRefusal(error: unknown, log: Logger): ConnectRefused {
  if (error instanceof ConnectRefused) return error;
  log.error({ err: error }, 'handshake failed');
  return new ConnectRefused('INTERNAL', 'handshake failed');
}

/**
 * Authentication is done with the upgrade request: the references Parley controls are dropped,
 * so an idle connection keeps less of it (Socket.IO's "Memory usage" guide drops `request`).
 */
function releaseHandshakeRequest(socket: Socket): void {
  (socket.conn as { request: unknown }).request = null;
  socket.handshake.headers = {};
}
