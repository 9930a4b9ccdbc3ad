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
 * on every message: another instance applies a change within that long (plus the one read that
 * refreshes an expired entry, which sends do not wait for).
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

  // Rooms whose setting is being read again in the background (one read per room at a time),
  // each with a token: a read that `forget` overtook stores nothing.
  const refreshing = new Map<string, object>();

  function remember(roomId: string, seconds: number): void {
    if (settings.size >= CACHE_MAX && !settings.has(roomId)) settings.clear();
    settings.set(roomId, { seconds, until: Date.now() + CACHE_MS });
  }

  /**
   * A room without slow mode answers from the cache, even just expired: the expired entry is read
   * again in the background, once, while sends go on. Before, every send after expiry read the
   * room itself, and under load (acks slower than CACHE_MS) that was a database query per
   * message: issue 17's measurements found it in the durable path's profile, on both databases.
   */
  function refresh(roomId: string, userId: string): void {
    if (refreshing.has(roomId)) return;
    const token = {};
    refreshing.set(roomId, token);
    const settle = (seconds: number | undefined) => {
      if (refreshing.get(roomId) !== token) return;
      refreshing.delete(roomId);
      if (seconds === undefined) settings.delete(roomId);
      else remember(roomId, seconds);
    };
    slowModeOf(db, roomId, userId).then(
      (found) => settle(found?.seconds),
      // Unreadable now (an outage): the next send reads the room itself again.
      () => settle(undefined),
    );
  }

  async function secondsOf(roomId: string, userId: string): Promise<number> {
    const cached = settings.get(roomId);
    if (cached && cached.seconds === 0) {
      if (cached.until <= Date.now()) refresh(roomId, userId);
      return 0;
    }
    const found = await slowModeOf(db, roomId, userId);
    if (!found) return 0; // no such room: the writer answers NOT_FOUND
    remember(roomId, found.seconds);
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
      refreshing.delete(roomId);
    },
  };
}
