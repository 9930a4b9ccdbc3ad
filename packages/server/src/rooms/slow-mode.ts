import type { User } from '@parley/protocol';
import type { Db } from '../db/database.js';
import { AppError } from '../errors.js';
import type { Limiter, LimiterFactory } from '../limits/limiter.js';
import { slowModeOf, slowModeSecondsOf } from './room-admin.store.js';

/**
 * Slow mode (wave 2): a member's message within `slowModeSeconds` of their last one in the room
 * is refused RATE_LIMITED with retryAfterMs; owner and moderators are exempt. The count lives
 * in the limiter (Redis when configured, so it holds across instances; memory otherwise).
 * The room's setting is cached for CACHE_MS per instance so that the send path does not read it
 * on every message: another instance applies a change within that long (plus the one read that
 * refreshes an expired entry, which sends do not wait for). The reads of one turn are one
 * statement, and a room is read once at a time however many sends wait for it.
 */
export interface SlowMode {
  /** Throws RATE_LIMITED when the sender must wait. A retried clientMsgId is never refused. */
  admit(user: User, roomId: string, clientMsgId: string): Promise<void>;
  /** Drops the cached setting of a room (its settings changed on this instance). */
  forget(roomId: string): void;
}

const CACHE_MS = 1000;
const CACHE_MAX = 10_000;

export interface SlowModeDeps {
  db: Db;
  limiters: LimiterFactory;
  /** The settings of these rooms (a room that does not exist is left out); one call per turn's reads. */
  readSettings?: (roomIds: readonly string[]) => Promise<Map<string, number>>;
}

export function createSlowMode(deps: SlowModeDeps): SlowMode {
  const { db } = deps;
  const readSettings = deps.readSettings ?? ((roomIds) => slowModeSecondsOf(db, roomIds));
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

  function remember(roomId: string, seconds: number): void {
    if (settings.size >= CACHE_MAX && !settings.has(roomId)) settings.clear();
    settings.set(roomId, { seconds, until: Date.now() + CACHE_MS });
  }

  /** Per room, its read of the setting, queued or in flight: one at a time, shared by every send that needs it. */
  const reads = new Map<string, Promise<number | undefined>>();
  /** The rooms whose setting the next statement reads, each with what waits for it. */
  let queued = new Map<string, { resolve(seconds: number | undefined): void; reject(error: unknown): void }[]>();
  let readScheduled = false;

  /**
   * The room's setting, read from the database (undefined: no such room). The reads asked for
   * within one turn of the event loop go out as one statement, and a room already being read is
   * not read again: issue 17 found one Kysely query per room and send here, on both databases,
   * 20-30 % of the durable path's CPU: every expired entry's refresh (500 rooms, one each per
   * second) and, while no entry was cached yet, every send's own read (all 5,000 clients' first).
   */
  function settingOf(roomId: string): Promise<number | undefined> {
    const pending = reads.get(roomId);
    if (pending) return pending;
    const read = new Promise<number | undefined>((resolve, reject) => {
      let waiting = queued.get(roomId);
      if (!waiting) queued.set(roomId, (waiting = []));
      waiting.push({ resolve, reject });
    });
    reads.set(roomId, read);
    if (!readScheduled) {
      readScheduled = true;
      setImmediate(readQueued);
    }
    // Kept unless `forget` overtook the read. A failed read (an outage) drops the entry: the
    // next send reads the room again.
    const settle = (seconds: number | undefined) => {
      if (reads.get(roomId) !== read) return;
      reads.delete(roomId);
      if (seconds === undefined) settings.delete(roomId);
      else remember(roomId, seconds);
    };
    read.then(settle, () => settle(undefined));
    return read;
  }

  function readQueued(): void {
    readScheduled = false;
    const batch = queued;
    queued = new Map();
    readSettings([...batch.keys()]).then(
      (found) => {
        for (const [roomId, waiting] of batch) for (const w of waiting) w.resolve(found.get(roomId));
      },
      (error: unknown) => {
        for (const waiting of batch.values()) for (const w of waiting) w.reject(error);
      },
    );
  }

  /**
   * A room without slow mode answers from the cache, even just expired: the expired entry is read
   * again in the background while sends go on (issue 17: under load acks take longer than
   * CACHE_MS, and every send after expiry read the room itself).
   */
  async function secondsOf(roomId: string, userId: string): Promise<number> {
    const cached = settings.get(roomId);
    if (cached && cached.seconds === 0) {
      if (cached.until <= Date.now()) void settingOf(roomId);
      return 0;
    }
    if (!cached) {
      const seconds = await settingOf(roomId);
      // No such room: the writer answers NOT_FOUND. Off: nobody waits, whatever their role.
      if (seconds === undefined || seconds === 0) return 0;
    }
    // Slow mode is on: the sender's role decides (owner and moderators are exempt).
    const found = await slowModeOf(db, roomId, userId);
    if (!found) return 0;
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
      reads.delete(roomId);
    },
  };
}
