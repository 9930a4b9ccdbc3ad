/** A token bucket: `burst` events at once, refilled at `perSecond`. One per connection. */
export interface TokenBucket {
  /** 0 when an event may run now (and takes a token), else milliseconds until one may. */
  take(now: number): number;
}

export function createTokenBucket(perSecond: number, burst: number): TokenBucket {
  let tokens = burst;
  let last = Date.now();
  return {
    take(now) {
      tokens = Math.min(burst, tokens + ((now - last) / 1000) * perSecond);
      last = now;
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      return Math.ceil(((1 - tokens) / perSecond) * 1000);
    },
  };
}
