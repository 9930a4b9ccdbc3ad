import {
  isRequestName,
  requestSchemas,
  parseWith,
  type AckResult,
  type ParsedRequest,
  type RequestName,
  type RequestResult,
  type User,
} from '@parley/protocol';
import type { Socket } from 'socket.io';
import { AppError, toErrorBody } from '../errors.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { OutageLog } from '../outages.js';
import type { TokenBucket } from './rate-limit.js';

export interface SocketData {
  user: User;
  tokenHash: string;
  bucket: TokenBucket;
  /** The rooms the user belonged to at the handshake; joined as the socket connects. */
  roomIds: string[];
}

export interface HandlerContext {
  user: User;
  socketId: string;
}

export type Handler<E extends RequestName> = (
  input: ParsedRequest<E>,
  ctx: HandlerContext,
) => Promise<RequestResult<E>>;

export type Handlers = { [E in RequestName]?: Handler<E> };

/** Counts what is running, so that shutdown can wait for every in-flight ack. */
export interface InFlight {
  draining: boolean;
  begin(): void;
  end(): void;
  /** Resolves once nothing is running. */
  settled(): Promise<void>;
}

export function createInFlight(): InFlight {
  let running = 0;
  let waiters: (() => void)[] = [];
  return {
    draining: false,
    begin() {
      running += 1;
    },
    end() {
      running -= 1;
      if (running > 0) return;
      for (const wake of waiters) wake();
      waiters = [];
    },
    settled() {
      return running === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve));
    },
  };
}

export type Ack = (result: AckResult<object>) => void;

/** Who sent an event: the handler's context plus the connection's rate-limit bucket. */
export interface EventOrigin extends HandlerContext {
  readonly bucket: TokenBucket;
}

/**
 * Runs one inbound event: rate limit, size limit, schema, handler, ack. `bytes` is the event's
 * size on the wire when the transport knows it; otherwise the payload is measured as JSON.
 */
export type DispatchEvent = (origin: EventOrigin, event: unknown, payload: unknown, ack?: Ack, bytes?: number) => void;

/**
 * The one path every inbound event takes, whichever transport brought it. Each event is answered
 * exactly once; an unexpected error is logged once and answered INTERNAL. One dispatcher serves
 * every connection, so a connection holds no closures of its own for it.
 */
export function createEventDispatcher(
  handlers: Handlers,
  deps: { log: Logger; metrics: Metrics; maxEventBytes: number; inFlight: InFlight; outages?: OutageLog },
): DispatchEvent {
  const { log, metrics, maxEventBytes, inFlight, outages } = deps;

  async function run(origin: EventOrigin, event: string, payload: unknown, bytes: number): Promise<AckResult<object>> {
    if (inFlight.draining) throw new AppError('UNAVAILABLE', 'server is restarting; retry');
    const wait = origin.bucket.take(Date.now());
    if (wait > 0) throw new AppError('RATE_LIMITED', 'too many events; slow down', wait);
    if (bytes > maxEventBytes) throw new AppError('TOO_LARGE', `event larger than ${maxEventBytes} bytes`);
    // Own properties only: an event named "toString" must not find Object.prototype's.
    const handler = isRequestName(event) ? (handlers[event] as Handler<RequestName> | undefined) : undefined;
    if (!isRequestName(event) || !handler)
      throw new AppError('BAD_REQUEST', `unknown event ${JSON.stringify(event.slice(0, 64))}`);
    const parsed = parseWith(requestSchemas[event], payload);
    if (!parsed.ok) {
      log.warn(
        { event, userId: origin.user.id, code: parsed.error.code, reason: parsed.error.message },
        'event refused',
      );
      return { ok: false, error: parsed.error };
    }
    const result = await handler(parsed.value, origin);
    return { ok: true, ...result };
  }

  // One async function per event (not a chain of then/catch/finally): fewer promises and
  // closures on the path every message takes.
  async function answer(
    origin: EventOrigin,
    event: string,
    payload: unknown,
    ack: Ack | undefined,
    bytes: number,
    started: number,
  ): Promise<void> {
    const metricName = isRequestName(event) ? event : 'unknown';
    let result: AckResult<object>;
    try {
      result = await run(origin, event, payload, bytes);
    } catch (error) {
      // A database or Redis outage is answered UNAVAILABLE and logged once per outage, not per event.
      if (!(error instanceof AppError) && !outages?.report(error)) {
        log.error({ err: error, event: metricName, userId: origin.user.id }, 'event failed');
      }
      result = { ok: false, error: toErrorBody(error) };
    }
    try {
      metrics.recordEvent(metricName, result.ok ? 'ok' : result.error.code, (performance.now() - started) / 1000);
      ack?.(result);
    } finally {
      inFlight.end();
    }
  }

  return (origin, event, payload, ack, bytes) => {
    const started = performance.now();
    inFlight.begin();
    const eventName = typeof event === 'string' ? event : String(event);
    void answer(origin, eventName, payload, ack, bytes ?? approximateBytes(payload), started);
  };
}

/** Routes a Socket.IO socket's events through the dispatcher. */
export function dispatchSocketIoEvents(socket: Socket, origin: EventOrigin, dispatch: DispatchEvent): void {
  socket.onAny((event: unknown, ...args: unknown[]) => {
    const last = args[args.length - 1];
    const ack: Ack | undefined = typeof last === 'function' ? (last as Ack) : undefined;
    const payload = ack && args.length === 1 ? undefined : args[0];
    dispatch(origin, event, payload, ack);
  });
}

/** Size of a payload as UTF-8 JSON, the way it crossed the wire. */
function approximateBytes(payload: unknown): number {
  if (payload === undefined) return 0;
  try {
    return Buffer.byteLength(JSON.stringify(payload));
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}
