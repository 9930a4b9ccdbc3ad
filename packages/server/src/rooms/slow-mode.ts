import type { User } from '@parley/protocol';
import type { Db } from '../db/database.js';
import { AppError } from '../errors.js';
import type { Limiter, LimiterFactory } from '../limits/limiter.js';
import { slowModeOf } from './room-admin.store.js';

/**
 * Slow mode (wave 2): a member's message within `slowModeSeconds` of their last one in the room
 * is refused RATE_LIMITED with retryAfterMs; owner and moderators are exempt. The count lives
 * in the limiter (Redis when configured, so it holds across instances; memory otherwise).
 * The room's setting is cached for CACHE_MS per instance so that the send path does not read it
 * on every message: another instance applies a change within that long.
 */
export interface SlowMode {
  /** Throws RATE_LIMITED when the sender must wait. A retried clientMsgId is never refused. */
  admit(user: User, roomId: string, clientMsgId: string): Promise<void>;
  /** Drops the cached setting of a room (its settings changed on this instance). */
  forget(roomId: string): void;
}

const CACHE_MS = 1000;
const CACHE_MAX = 10_000;

export function createSlowMode(deps: { db: Db; limiters: LimiterFactory }): SlowMode {
  const { db } = deps;
  const settings = new Map<string, { seconds: number; until: number }>();
  const limiters = new Map<number, Limiter>();

  const limiterFor = (seconds: number): Limiter => {
    let limiter = limiters.get(seconds);
    if (!limiter) {
      limiter = deps.limiters.create(`slow-mode-${seconds}`, { points: 1, durationSeconds: seconds });
      limiters.set(seconds, limiter);
    }
    return limiter;
  };

  async function secondsOf(roomId: string, userId: string): Promise<number> {
    const cached = settings.get(roomId);
    if (cached && cached.until > Date.now() && cached.seconds === 0) return 0;
    const found = await slowModeOf(db, roomId, userId);
    if (!found) return 0; // no such room: the writer answers NOT_FOUND
    if (settings.size >= CACHE_MAX) settings.clear();
    settings.set(roomId, { seconds: found.seconds, until: Date.now() + CACHE_MS });
    return found.exempt ? 0 : found.seconds;
  }

  async function isRepeat(userId: string, clientMsgId: string): Promise<boolean> {
    // The unique key (sender_id, client_msg_id) answers this: a retry after a lost ack must get
    // its stored message back, not a refusal.
    const row = await db
      .selectFrom('messages')
      .select('id')
      .where('sender_id', '=', userId)
      .where('client_msg_id', '=', clientMsgId)
      .executeTakeFirst();
    return row !== undefined;
  }

  return {
    async admit(user, roomId, clientMsgId) {
      const seconds = await secondsOf(roomId, user.id);
      if (seconds === 0) return;
      const waitMs = await limiterFor(seconds).take(`${roomId}:${user.id}`);
      if (waitMs === 0) return;
      if (await isRepeat(user.id, clientMsgId)) return;
      throw new AppError('RATE_LIMITED', `slow mode: one message every ${seconds} s`, waitMs);
    },
    forget(roomId) {
      settings.delete(roomId);
    },
  };
}
