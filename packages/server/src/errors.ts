import type { ErrorBody, ErrorCode } from '@parley/protocol';

/** An expected failure: its code and message go to the client as they are. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'AppError';
  }

  toBody(): ErrorBody {
    return this.retryAfterMs === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, retryAfterMs: this.retryAfterMs };
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** What a client sees of any error: an AppError as it is, anything else as INTERNAL. */
export function toErrorBody(error: unknown): ErrorBody {
  return isAppError(error) ? error.toBody() : { code: 'INTERNAL', message: 'internal error' };
}
