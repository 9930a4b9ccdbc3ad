import type { ErrorBody } from '@parley/protocol';

/** A handshake the server refused: Socket.IO's `connect_error` carrying the protocol's error body. */
export interface Refusal {
  code: ErrorBody['code'];
  message: string;
  retryAfterMs?: number;
}

export function refusalOf(error: Error & { data?: Partial<ErrorBody> }): Refusal {
  const code = (error.data?.code ?? error.message) as ErrorBody['code'];
  const retryAfterMs = error.data?.retryAfterMs;
  return {
    code,
    message: error.data?.message ?? error.message,
    ...(typeof retryAfterMs === 'number' ? { retryAfterMs } : {}),
  };
}

/**
 * Whether a refusal says "come back later": a draining or troubled server (UNAVAILABLE), or a
 * limit that names its wait (RATE_LIMITED with retryAfterMs). Anything else, UNAUTHORIZED above
 * all, is final: retrying could not change the answer.
 */
export function isRetryable(refusal: Refusal): boolean {
  return refusal.code === 'UNAVAILABLE' || (refusal.code === 'RATE_LIMITED' && refusal.retryAfterMs !== undefined);
}

/**
 * The wait before reconnect attempt `attempt` (0-based): exponential from `baseMs` up to `maxMs`,
 * with "equal jitter" (half fixed, half random) so that the clients of a restarted server do not
 * all come back in the same millisecond; never sooner than the server's `retryAfterMs`.
 */
export function retryDelayMs(
  attempt: number,
  options: { baseMs: number; maxMs: number; retryAfterMs?: number },
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30));
  const jittered = ceiling / 2 + random() * (ceiling / 2);
  return Math.round(Math.max(jittered, options.retryAfterMs ?? 0));
}
