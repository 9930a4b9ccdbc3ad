import type { RedisClient } from '../realtime/redis-adapter.js';

/**
 * Which calls are ringing or under way, and who is in one: enough for "busy", the ringing
 * timeout and "answered elsewhere". With Redis the ledger is shared by every instance (the
 * answer may reach another instance than the offer did); without it, one instance holds it.
 *
 * Bounds: a ringing call is forgotten `ringTtlMs` after it started; a call under way
 * `activeTtlMs` after it was answered, unless a hangup, a reject or its connection closing ends
 * it first. So after an instance is killed mid-call, its users read as busy at most that long
 * (and clients answer "busy" themselves too, so a stale entry can only ever delay a call).
 */
export interface CallLedger {
  /** Starts a call ringing, unless the callee already is in another one. */
  ring(callId: string, callerId: string, calleeId: string): Promise<'ringing' | 'busy' | 'known'>;
  /** Ringing → answered, only by the callee. False when it no longer rings. */
  answer(callId: string, byUserId: string): Promise<boolean>;
  /** Ends the call, only by one of its parties; the ended call, if it was one of theirs. */
  end(callId: string, byUserId: string): Promise<LedgerCall | undefined>;
  /** Ends the call only while it still rings (the timeout); the call it ended, if any. */
  expire(callId: string): Promise<LedgerCall | undefined>;
}

export interface LedgerCall {
  callerId: string;
  calleeId: string;
  state: 'ringing' | 'active';
}

export interface LedgerTiming {
  ringTtlMs: number;
  activeTtlMs: number;
}

export function createMemoryCallLedger(timing: LedgerTiming, now: () => number = Date.now): CallLedger {
  const calls = new Map<string, LedgerCall & { until: number }>();
  const inCall = new Map<string, { callId: string; until: number }>();

  const live = (callId: string) => {
    const call = calls.get(callId);
    if (call && call.until <= now()) {
      calls.delete(callId);
      return undefined;
    }
    return call;
  };
  const busyWith = (userId: string) => {
    const mark = inCall.get(userId);
    if (!mark) return undefined;
    if (mark.until <= now() || !live(mark.callId)) {
      inCall.delete(userId);
      return undefined;
    }
    return mark.callId;
  };
  const remove = (callId: string, call: LedgerCall) => {
    calls.delete(callId);
    for (const id of [call.callerId, call.calleeId]) if (inCall.get(id)?.callId === callId) inCall.delete(id);
  };
  const mark = (callId: string, call: LedgerCall, ttl: number) => {
    const until = now() + ttl;
    calls.set(callId, { ...call, until });
    inCall.set(call.callerId, { callId, until });
    inCall.set(call.calleeId, { callId, until });
  };

  // Synchronous underneath: the Promise-returning shape is the Redis ledger's.
  const sync = {
    ring(callId: string, callerId: string, calleeId: string): 'ringing' | 'busy' | 'known' {
      if (live(callId)) return 'known';
      const busy = busyWith(calleeId);
      if (busy !== undefined && busy !== callId) return 'busy';
      mark(callId, { callerId, calleeId, state: 'ringing' }, timing.ringTtlMs);
      return 'ringing';
    },
    answer(callId: string, byUserId: string): boolean {
      const call = live(callId);
      if (!call || call.state !== 'ringing' || call.calleeId !== byUserId) return false;
      mark(callId, { callerId: call.callerId, calleeId: call.calleeId, state: 'active' }, timing.activeTtlMs);
      return true;
    },
    end(callId: string, byUserId: string): LedgerCall | undefined {
      const call = live(callId);
      if (!call || (call.callerId !== byUserId && call.calleeId !== byUserId)) return undefined;
      remove(callId, call);
      return { callerId: call.callerId, calleeId: call.calleeId, state: call.state };
    },
    expire(callId: string): LedgerCall | undefined {
      const call = live(callId);
      if (!call || call.state !== 'ringing') return undefined;
      remove(callId, call);
      return { callerId: call.callerId, calleeId: call.calleeId, state: call.state };
    },
  };
  return {
    ring: (callId, callerId, calleeId) => Promise.resolve(sync.ring(callId, callerId, calleeId)),
    answer: (callId, byUserId) => Promise.resolve(sync.answer(callId, byUserId)),
    end: (callId, byUserId) => Promise.resolve(sync.end(callId, byUserId)),
    expire: (callId) => Promise.resolve(sync.expire(callId)),
  };
}

// Each script is one atomic step, so that two instances never both win a race (answer vs timeout).
// KEYS: call hash, caller's mark, callee's mark. ARGV: callId, callerId, calleeId, ttl.
const RING = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 'known' end
local busy = redis.call('GET', KEYS[3])
if busy and busy ~= ARGV[1] and redis.call('EXISTS', ARGV[5] .. busy) == 1 then return 'busy' end
redis.call('HSET', KEYS[1], 'caller', ARGV[2], 'callee', ARGV[3], 'state', 'ringing')
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[4])
redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[4])
return 'ringing'`;
// KEYS: call hash. ARGV: by user, ttl, mark prefix, callId.
const ANSWER = `
local c = redis.call('HMGET', KEYS[1], 'caller', 'callee', 'state')
if not c[3] or c[3] ~= 'ringing' or c[2] ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'active')
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('SET', ARGV[3] .. c[1], ARGV[4], 'PX', ARGV[2])
redis.call('SET', ARGV[3] .. c[2], ARGV[4], 'PX', ARGV[2])
return 1`;
// KEYS: call hash. ARGV: by user ('' = only while ringing), mark prefix, callId.
const END = `
local c = redis.call('HMGET', KEYS[1], 'caller', 'callee', 'state')
if not c[3] then return false end
if ARGV[1] == '' then
  if c[3] ~= 'ringing' then return false end
elseif c[1] ~= ARGV[1] and c[2] ~= ARGV[1] then return false end
redis.call('DEL', KEYS[1])
for i = 1, 2 do
  if redis.call('GET', ARGV[2] .. c[i]) == ARGV[3] then redis.call('DEL', ARGV[2] .. c[i]) end
end
return {c[1], c[2], c[3]}`;

export function createRedisCallLedger(client: RedisClient, prefix: string, timing: LedgerTiming): CallLedger {
  const callKey = (callId: string) => `${prefix}:call:${callId}`;
  const markPrefix = `${prefix}:in-call:`;

  async function finish(callId: string, byUserId: string): Promise<LedgerCall | undefined> {
    const result = (await client.eval(END, {
      keys: [callKey(callId)],
      arguments: [byUserId, markPrefix, callId],
    })) as unknown;
    if (!Array.isArray(result)) return undefined;
    const [callerId, calleeId, state] = result as string[];
    return { callerId: callerId ?? '', calleeId: calleeId ?? '', state: state === 'active' ? 'active' : 'ringing' };
  }

  return {
    async ring(callId, callerId, calleeId) {
      const result = await client.eval(RING, {
        keys: [callKey(callId), markPrefix + callerId, markPrefix + calleeId],
        arguments: [callId, callerId, calleeId, String(timing.ringTtlMs), `${prefix}:call:`],
      });
      return result === 'busy' ? 'busy' : result === 'known' ? 'known' : 'ringing';
    },
    async answer(callId, byUserId) {
      const result = await client.eval(ANSWER, {
        keys: [callKey(callId)],
        arguments: [byUserId, String(timing.activeTtlMs), markPrefix, callId],
      });
      return result === 1;
    },
    end: (callId, byUserId) => finish(callId, byUserId),
    expire: (callId) => finish(callId, ''),
  };
}

/** Calls under way are forgotten after this long unless ended sooner (see the bounds above). */
const ACTIVE_TTL_MS = 4 * 60 * 60 * 1000;

export function openCallLedger(redis: { client: RedisClient; prefix: string } | undefined, ringTimeoutMs: number) {
  // A ringing entry outlives the timer by a margin, so the timer (not the expiry) ends it.
  const timing = { ringTtlMs: ringTimeoutMs + 15_000, activeTtlMs: ACTIVE_TTL_MS };
  return redis ? createRedisCallLedger(redis.client, redis.prefix, timing) : createMemoryCallLedger(timing);
}
