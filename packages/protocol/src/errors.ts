/** Every error a client can receive, as PROTOCOL.md lists them. */
export const ErrorCode = {
  BAD_REQUEST: 'BAD_REQUEST',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  ROOM_FULL: 'ROOM_FULL',
  RATE_LIMITED: 'RATE_LIMITED',
  TOO_LARGE: 'TOO_LARGE',
  UNAVAILABLE: 'UNAVAILABLE',
  INTERNAL: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  /** Present with RATE_LIMITED: how long to wait before trying again. */
  retryAfterMs?: number;
  /**
   * Extension: a machine-readable reason where one code covers several cases a client tells
   * apart (e.g. FORBIDDEN with `invite_required` or `registration_closed`); see RefusalReason.
   */
  reason?: string;
}

export type AckOk<T> = { ok: true } & T;
export interface AckError {
  ok: false;
  error: ErrorBody;
}
export type AckResult<T> = AckOk<T> | AckError;

/** HTTP status that goes with each code on the HTTP API. */
export const httpStatusOf: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  ROOM_FULL: 409,
  RATE_LIMITED: 429,
  TOO_LARGE: 413,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};
