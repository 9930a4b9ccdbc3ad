import type { Server as HttpServer, IncomingMessage } from 'node:http';
import { SESSION_COOKIE, type ClientToServerEvents, type ServerToClientEvents, type User } from '@parley/protocol';
import { Server, type Socket } from 'socket.io';
import { hashToken } from '../auth/auth.service.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { roomChannel, sessionChannel, userChannel } from './fanout.js';
import type { Connection, ConnectionLifecycle } from './connection.js';
import { attachHandlers, type Handlers, type InFlight, type SocketData } from './handle.js';
import { createTokenBucket } from './rate-limit.js';

export type ParleyServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export interface RealtimeDeps {
  config: Config;
  log: Logger;
  metrics: Metrics;
  inFlight: InFlight;
  handlers: Handlers;
  lifecycles: ConnectionLifecycle[];
  authenticate(token: string): Promise<User | undefined>;
  roomIdsOf(userId: string): Promise<string[]>;
}

export function createSocketServer(httpServer: HttpServer, config: Config): ParleyServer {
  return new Server(httpServer, {
    transports: config.transports,
    // Twice the event limit: an event a little too large is answered TOO_LARGE by the handler
    // wrapper; a frame past this is cut off by the transport before it is buffered.
    maxHttpBufferSize: config.maxEventBytes * 2,
    allowRequest: (req, callback) => callback(null, isOriginAllowed(req, config.allowedOrigins)),
    ...(config.allowedOrigins.length > 0 ? { cors: { origin: config.allowedOrigins, credentials: true } } : {}),
  });
}

/** Authenticates every handshake, caps connections, and routes every event through the handlers. */
export function acceptConnections(io: ParleyServer, deps: RealtimeDeps): void {
  const connectionsPerUser = new Map<string, number>();
  let connections = 0;

  io.use((socket, next) => {
    authenticateHandshake(socket, deps, connections, connectionsPerUser).then(() => next(), next);
  });

  io.on('connection', (socket) => {
    const { user, tokenHash, roomIds } = socket.data;
    releaseHandshakeRequest(socket);
    connections += 1;
    connectionsPerUser.set(user.id, (connectionsPerUser.get(user.id) ?? 0) + 1);
    let transport = socket.conn.transport.name;
    deps.metrics.connections.inc({ transport });
    socket.conn.once('upgrade', () => {
      deps.metrics.connections.dec({ transport });
      transport = socket.conn.transport.name;
      deps.metrics.connections.inc({ transport });
    });
    const connection: Connection = {
      user,
      socketId: socket.id,
      // The event map pairs each name with its payload; Socket.IO's emit cannot follow a generic name.
      emit: (event, payload) => (socket.emit as (e: string, p: unknown) => boolean)(event, payload),
    };
    socket.once('disconnect', () => {
      for (const lifecycle of deps.lifecycles) lifecycle.disconnected?.(connection);
      connections -= 1;
      const left = (connectionsPerUser.get(user.id) ?? 1) - 1;
      if (left > 0) connectionsPerUser.set(user.id, left);
      else connectionsPerUser.delete(user.id);
      deps.metrics.connections.dec({ transport });
    });
    void socket.join([userChannel(user.id), sessionChannel(tokenHash), ...roomIds.map(roomChannel)]);
    attachHandlers(socket, deps.handlers, {
      log: deps.log,
      metrics: deps.metrics,
      maxEventBytes: deps.config.maxEventBytes,
      inFlight: deps.inFlight,
    });
    for (const lifecycle of deps.lifecycles) lifecycle.connected?.(connection);
  });
}

async function authenticateHandshake(
  socket: Socket,
  deps: RealtimeDeps,
  connections: number,
  connectionsPerUser: Map<string, number>,
): Promise<void> {
  const fail = (code: string, message: string) => Object.assign(new Error(code), { data: { code, message } });
  if (deps.inFlight.draining) throw fail('UNAVAILABLE', 'server is restarting; retry');
  const token = tokenOf(socket);
  const user = token ? await deps.authenticate(token) : undefined;
  if (!token || !user) throw fail('UNAUTHORIZED', 'sign in first');
  if (connections >= deps.config.maxConnections) throw fail('UNAVAILABLE', 'server is at its connection limit');
  if ((connectionsPerUser.get(user.id) ?? 0) >= deps.config.maxConnectionsPerUser) {
    throw fail('RATE_LIMITED', 'too many connections for this user');
  }
  const roomIds = await deps.roomIdsOf(user.id);
  const data = socket.data as SocketData;
  data.user = user;
  data.tokenHash = hashToken(token);
  data.bucket = createTokenBucket(deps.config.rateLimitPerSec, deps.config.rateLimitBurst);
  data.roomIds = roomIds;
}

function tokenOf(socket: Socket): string | undefined {
  const auth = socket.handshake.auth as { token?: unknown } | undefined;
  if (typeof auth?.token === 'string' && auth.token.length > 0) return auth.token;
  return readCookie(socket.handshake.headers.cookie, SESSION_COOKIE);
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** Browsers send Origin: it must be this server's own or one of ALLOWED_ORIGINS. */
export function isOriginAllowed(req: IncomingMessage, allowedOrigins: string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (allowedOrigins.includes(origin)) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/**
 * Authentication is done with the upgrade request: the references Parley controls are dropped,
 * so an idle connection keeps less of it (Socket.IO's "Memory usage" guide drops `request`).
 */
function releaseHandshakeRequest(socket: Socket): void {
  (socket.conn as { request: unknown }).request = null;
  socket.handshake.headers = {};
}
