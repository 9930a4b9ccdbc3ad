import type { ErrorBody, ErrorCode } from '@parley/protocol';
import * as redisErrors from 'redis';

/** An expected failure: its code and message go to the client as they are. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryAfterMs?: number,
    /** Machine-readable, where the code alone does not tell the cases apart (RefusalReason). */
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'AppError';
  }

  toBody(): ErrorBody {
    return {
      code: this.code,
      message: this.message,
      ...(this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }),
      ...(this.reason === undefined ? {} : { reason: this.reason }),
    };
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** How long a client should wait before retrying after a backing service failed. */
export const UNAVAILABLE_RETRY_AFTER_MS = 1000;

export type Dependency = 'database' | 'redis';

/**
 * Which backing service an error says is down or too slow, if any: a connection that failed,
 * closed or timed out, a statement cancelled by its timeout, a locked or failing SQLite file, a
 * Redis that is offline, loading or out of reach. Anything else is a bug (INTERNAL).
 */
export function unavailableDependencyOf(error: unknown): Dependency | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  if (isRedisOutage(error)) return 'redis';
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && isDatabaseOutageCode(code)) return 'database';
  if (typeof message === 'string' && DATABASE_OUTAGE_MESSAGES.some((text) => message.includes(text))) return 'database';
  return undefined;
}

/** What a client sees of any error: an AppError as it is, an outage as UNAVAILABLE, else INTERNAL. */
export function toErrorBody(error: unknown): ErrorBody {
  if (isAppError(error)) return error.toBody();
  const dependency = unavailableDependencyOf(error);
  return dependency
    ? { code: 'UNAVAILABLE', message: `${dependency} unavailable; retry`, retryAfterMs: UNAVAILABLE_RETRY_AFTER_MS }
    : { code: 'INTERNAL', message: 'internal error' };
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

function isDatabaseOutageCode(code: string): boolean {
  return (
    NETWORK_CODES.has(code) ||
    // PostgreSQL SQLSTATE: class 08 connection exception; shutting down or not yet accepting
    // connections; too many connections; statement_timeout (57014).
    code.startsWith('08') ||
    ['57P01', '57P02', '57P03', '53300', '57014'].includes(code) ||
    // better-sqlite3: a locked, busy, unreadable or full database file (extended codes too).
    /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|PROTOCOL|NOTADB)/.test(code)
  );
}

/** pg and Kysely report a lost or exhausted connection in words, without a code. */
const DATABASE_OUTAGE_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Query read timeout',
  'Client was closed and is not queryable',
  'Client has encountered a connection error and is not queryable',
  'timeout expired',
  'Cannot use a pool after calling end on the pool',
  'driver has already been destroyed',
  'The database connection is not open',
];

const REDIS_OUTAGE_REPLIES = /^(LOADING|BUSY|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN)\b/;

function isRedisOutage(error: object): boolean {
  if (
    error instanceof redisErrors.ClientClosedError ||
    error instanceof redisErrors.ClientOfflineError ||
    error instanceof redisErrors.SocketClosedUnexpectedlyError ||
    error instanceof redisErrors.ConnectionTimeoutError ||
    error instanceof redisErrors.SocketTimeoutError ||
    error instanceof redisErrors.ReconnectStrategyError ||
    error instanceof redisErrors.TimeoutError
  )
    return true;
  return error instanceof redisErrors.ErrorReply && REDIS_OUTAGE_REPLIES.test(error.message);
}
