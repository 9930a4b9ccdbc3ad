import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorBody } from '@parley/protocol';
import type { Config } from '../config.js';
import { addressKey, clientAddressOf, compileTrust } from '../http/client-address.js';
import type { LimiterFactory } from '../limits/limiter.js';
import { createWarnOnce } from '../limits/warn-once.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { checkOriginOfEveryRequest, type EngineMiddlewares } from './origin-guard.js';

/**
 * Connections per client address, signed in or not, on both transports, decided before the
 * WebSocket upgrade or the Engine.IO handshake so that a refused connection costs nothing:
 * at most `maxConnectionsPerAddress` open at once on this instance, and at most
 * `connectionsPerAddressPerMinute` new ones across every instance (the shared limiter,
 * Redis-backed when configured). A refusal is HTTP 429 with `Retry-After` and the protocol's
 * `RATE_LIMITED` body.
 */
export interface AddressGate {
  /** Engine.IO's `allowRequest`: a new long-polling session (or a WebSocket Socket.IO serves). */
  allowRequest(req: IncomingMessage, callback: (error: string | null | undefined, success: boolean) => void): void;
  /**
   * Engine.IO's side: every request of a session has its Origin checked (not only the
   * handshake), and each session admitted by {@link allowRequest} is released when it closes.
   */
  attach(engine: EngineEvents & EngineMiddlewares): void;
  /** The direct endpoint's upgrade: `accept` runs once admitted; a refused socket is answered 429 and closed. */
  admitUpgrade(req: IncomingMessage, socket: Duplex, accept: () => void): void;
  /** Open connections counted for the address `req` comes from (tests, metrics). */
  openFrom(req: IncomingMessage): number;
}

/** The part of Engine.IO's server the gate listens to. */
export interface EngineEvents {
  on(
    event: 'connection',
    listener: (socket: { request: IncomingMessage; once(e: 'close', l: () => void): void }) => void,
  ): unknown;
  on(event: 'connection_error', listener: (error: { req: IncomingMessage }) => void): unknown;
}

export interface AddressGateDeps {
  config: Config;
  log: Logger;
  metrics: Metrics;
  limiters: LimiterFactory;
}

type Admission = { release: () => void } | { refused: 'address_open' | 'address_rate'; retryAfterMs: number };

/** How long a client over the open-connection cap is told to wait: connections close at their own pace. */
const OPEN_CAP_RETRY_MS = 5000;

export function createAddressGate(deps: AddressGateDeps): AddressGate {
  const { config, log, metrics } = deps;
  const trust = compileTrust(config.trustProxy);
  const rate = deps.limiters.create('connections-per-address', {
    points: config.connectionsPerAddressPerMinute,
    durationSeconds: 60,
  });
  const open = new Map<string, number>();
  const warnOnce = createWarnOnce(log);
  /** Long-polling handshakes admitted, until Engine.IO opens (or fails to open) their session. */
  const pending = new WeakMap<IncomingMessage, () => void>();

  function reserve(key: string): () => void {
    open.set(key, (open.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (open.get(key) ?? 1) - 1;
      if (left > 0) open.set(key, left);
      else open.delete(key);
    };
  }

  function refused(key: string, reason: 'address_open' | 'address_rate', retryAfterMs: number): Admission {
    metrics.connectionRefusals.inc({ reason });
    warnOnce(key, { address: key, reason, open: open.get(key) ?? 0 }, 'connection refused: too many from this address');
    return { refused: reason, retryAfterMs };
  }

  async function admit(req: IncomingMessage): Promise<Admission> {
    const key = addressKey(clientAddressOf(req, trust));
    // Counted before the shared limiter answers, so that a burst cannot all pass while it is asked.
    if ((open.get(key) ?? 0) >= config.maxConnectionsPerAddress) return refused(key, 'address_open', OPEN_CAP_RETRY_MS);
    const release = reserve(key);
    let wait = 0;
    try {
      wait = await rate.take(key);
    } catch (err) {
      // The limiter falls back to memory when Redis is down; this is only a last resort.
      log.warn({ err }, 'connection rate could not be checked');
    }
    if (wait === 0) return { release };
    release();
    return refused(key, 'address_rate', wait);
  }

  return {
    allowRequest(req, callback) {
      void admit(req).then((admission) => {
        if ('release' in admission) {
          // An Engine.IO WebSocket is one TCP connection; a polling session outlives its requests.
          if (req.headers.upgrade) req.socket.once('close', admission.release);
          else pending.set(req, admission.release);
          return callback(null, true);
        }
        // Engine.IO can only answer 400 or 403 here; Parley answers 429 itself and does not call
        // back, so Engine.IO does nothing more with this request.
        const res = (req as { res?: ServerResponse }).res;
        if (res && !req.headers.upgrade) answerHttp(res, admission.retryAfterMs);
        else answerRaw(req.socket, admission.retryAfterMs);
      });
    },

    attach(engine) {
      checkOriginOfEveryRequest(engine, deps);
      engine.on('connection', (socket) => {
        const release = pending.get(socket.request);
        if (!release) return;
        pending.delete(socket.request);
        socket.once('close', release);
      });
      engine.on('connection_error', ({ req }) => {
        pending.get(req)?.();
        pending.delete(req);
      });
    },

    admitUpgrade(req, socket, accept) {
      // The HTTP server leaves an upgraded socket without an error listener while Parley decides.
      const onError = () => socket.destroy();
      socket.on('error', onError);
      void admit(req).then((admission) => {
        socket.off('error', onError);
        if (!('release' in admission)) return answerRaw(socket, admission.retryAfterMs);
        if (socket.destroyed) return admission.release();
        socket.once('close', admission.release);
        accept();
      });
    },

    openFrom(req) {
      return open.get(addressKey(clientAddressOf(req, trust))) ?? 0;
    },
  };
}

function refusalBody(retryAfterMs: number): string {
  const error: ErrorBody = { code: 'RATE_LIMITED', message: 'too many connections from this address', retryAfterMs };
  return JSON.stringify({ error });
}

function answerHttp(res: ServerResponse, retryAfterMs: number): void {
  const body = refusalBody(retryAfterMs);
  res.writeHead(429, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'retry-after': String(Math.ceil(retryAfterMs / 1000)),
  });
  res.end(body);
}

/** A refused upgrade has no ServerResponse: the status line goes on the socket, then it closes. */
function answerRaw(socket: Duplex, retryAfterMs: number): void {
  if (socket.destroyed) return;
  const body = refusalBody(retryAfterMs);
  const answer =
    `HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `Retry-After: ${Math.ceil(retryAfterMs / 1000)}\r\nConnection: close\r\n\r\n${body}`;
  // Destroyed once written: the server's sockets stay half-open until the peer ends otherwise.
  socket.end(answer, () => socket.destroy());
}
