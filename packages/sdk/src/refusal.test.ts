import { describe, expect, it } from 'vitest';
import { isRetryable, refusalOf, retryDelayMs } from './refusal.js';

const refused = (data: object) => Object.assign(new Error('refused'), { data });

describe('which refused handshakes the SDK retries', () => {
  it('retries UNAVAILABLE, and RATE_LIMITED only when the server names the wait', () => {
    expect(isRetryable(refusalOf(refused({ code: 'UNAVAILABLE', message: 'restarting' })))).toBe(true);
    expect(isRetryable(refusalOf(refused({ code: 'RATE_LIMITED', message: 'x', retryAfterMs: 200 })))).toBe(true);
    expect(isRetryable(refusalOf(refused({ code: 'RATE_LIMITED', message: 'too many connections' })))).toBe(false);
  });

  it('never retries UNAUTHORIZED, FORBIDDEN or a refusal without a body', () => {
    expect(isRetryable(refusalOf(refused({ code: 'UNAUTHORIZED', message: 'sign in first' })))).toBe(false);
    expect(isRetryable(refusalOf(refused({ code: 'FORBIDDEN', message: 'origin' })))).toBe(false);
    expect(refusalOf(new Error('UNAUTHORIZED'))).toEqual({ code: 'UNAUTHORIZED', message: 'UNAUTHORIZED' });
  });

  it('backs off exponentially with jitter up to the ceiling, never sooner than retryAfterMs', () => {
    const options = { baseMs: 100, maxMs: 1000 };
    expect([0, 1, 2, 3, 4, 10].map((n) => retryDelayMs(n, options, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect([0, 1, 2, 3, 4, 10].map((n) => retryDelayMs(n, options, () => 0))).toEqual([50, 100, 200, 400, 500, 500]);
    expect(retryDelayMs(0, { ...options, retryAfterMs: 1500 }, () => 0.5)).toBe(1500);
    expect(retryDelayMs(3, { ...options, retryAfterMs: 10 }, () => 1)).toBe(800);
  });
});
