import {
  RECEIPTS_ROOM_MAX,
  TYPING_MIN_INTERVAL_MS,
  type ParsedRequest,
  type ReadState,
  type RequestResult,
  type Settings,
  type User,
} from '@parley/protocol';
import type { Db } from '../db/database.js';
import { AppError } from '../errors.js';
import type { Fanout } from '../realtime/fanout.js';
import * as store from './attention.store.js';

export interface AttentionService {
  markRead(user: User, input: ParsedRequest<'read:mark'>): Promise<RequestResult<'read:mark'>>;
  typing(user: User, input: ParsedRequest<'typing'>): Promise<RequestResult<'typing'>>;
  settings(user: User): Promise<RequestResult<'settings:get'>>;
  updateSettings(user: User, input: ParsedRequest<'settings:update'>): Promise<RequestResult<'settings:update'>>;
  /** The caller's read position and counts in their joined rooms (all, or those named). */
  readStates(user: User, roomIds?: string[]): Promise<ReadState[]>;
  /** What room:join adds: the caller's read state, and the receipts of a small room. */
  joined(
    user: User,
    roomId: string,
    memberCount: number,
  ): Promise<Pick<RequestResult<'room:join'>, 'readState' | 'receipts'>>;
  left(user: User, roomId: string): Promise<void>;
  /** The creator of a new room starts reading it at its start, as a member does at their arrival. */
  created(user: User, roomId: string): Promise<void>;
}

export interface AttentionDeps {
  db: Db;
  fanout: Fanout;
  /** Throws NOT_FOUND for a missing room and FORBIDDEN for a non-member. */
  assertMember(user: User, roomId: string): Promise<void>;
  findUser(username: string): Promise<User | undefined>;
  areBuddies(userId: string, otherId: string): Promise<boolean>;
  now?: () => number;
}

/** Typing relays remembered per instance; past this many, the stale ones are dropped. */
const TYPING_MEMORY_MAX = 10_000;

export function createAttentionService(deps: AttentionDeps): AttentionService {
  const { db, fanout } = deps;
  const now = deps.now ?? Date.now;
  /** When each (sender, conversation) last had a typing event relayed. Never stored. */
  const lastTyping = new Map<string, number>();

  function throttleTyping(key: string): void {
    const at = now();
    const last = lastTyping.get(key);
    if (last !== undefined && at - last < TYPING_MIN_INTERVAL_MS) {
      throw new AppError('RATE_LIMITED', 'typing is told at most once a second', TYPING_MIN_INTERVAL_MS - (at - last));
    }
    if (lastTyping.size >= TYPING_MEMORY_MAX) {
      for (const [k, t] of lastTyping) if (at - t >= TYPING_MIN_INTERVAL_MS) lastTyping.delete(k);
    }
    lastTyping.set(key, at);
  }

  return {
    async markRead(user, input) {
      await deps.assertMember(user, input.roomId);
      const { seq, moved } = await store.markRead(db, input.roomId, user.id, input.seq);
      if (!moved) return {};
      const update = { roomId: input.roomId, user, seq };
      const [settings, memberCount] = await Promise.all([
        store.findSettings(db, user.id),
        store.memberCountOf(db, input.roomId),
      ]);
      // A receipt goes to the whole room (the user's own devices are members too); otherwise only
      // the user's own connections learn it, so that every device agrees on what is read.
      if (settings.sendReadReceipts && (memberCount ?? Infinity) <= RECEIPTS_ROOM_MAX) {
        fanout.toRoom(input.roomId, 'read:update', update);
      } else {
        fanout.toUser(user.id, 'read:update', update);
      }
      return {};
    },

    async typing(user, input) {
      if ('roomId' in input) {
        await deps.assertMember(user, input.roomId);
        throttleTyping(`${user.id} room ${input.roomId}`);
        fanout.toRoom(input.roomId, 'typing', { roomId: input.roomId, from: user });
        return {};
      }
      const peer = await deps.findUser(input.to);
      // Unknown users and strangers get the same answer, as for calls.
      if (!peer || peer.id === user.id || !(await deps.areBuddies(user.id, peer.id))) {
        throw new AppError('FORBIDDEN', 'typing is told to buddies only');
      }
      throttleTyping(`${user.id} user ${peer.id}`);
      fanout.toUser(peer.id, 'typing', { from: user });
      return {};
    },

    async settings(user) {
      return { settings: await store.findSettings(db, user.id) };
    },

    async updateSettings(user, input) {
      const current = await store.findSettings(db, user.id);
      const settings: Settings = {
        ...current,
        ...(input.sendReadReceipts === undefined ? {} : { sendReadReceipts: input.sendReadReceipts }),
      };
      await store.saveSettings(db, user.id, settings);
      fanout.toUser(user.id, 'settings:update', { settings });
      return { settings };
    },

    readStates: (user, roomIds) => store.readStates(db, user, roomIds),

    async joined(user, roomId, memberCount) {
      const [readState, receipts] = await Promise.all([
        store.readStateOnJoin(db, user, roomId),
        memberCount <= RECEIPTS_ROOM_MAX ? store.receiptsOf(db, roomId, user.id) : Promise.resolve(undefined),
      ]);
      return { ...(readState ? { readState } : {}), ...(receipts ? { receipts } : {}) };
    },

    async left(user, roomId) {
      await store.forgetReading(db, roomId, user.id);
    },

    created: (user, roomId) => store.startReading(db, roomId, user.id),
  };
}
