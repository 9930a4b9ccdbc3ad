import { randomUUID } from 'node:crypto';
import {
  CATCH_UP_MAX,
  HISTORY_LIMIT_DEFAULT,
  JOIN_LATEST,
  ROOM_CAPACITY_DEFAULT,
  ROOM_LIST_LIMIT_DEFAULT,
  type Member,
  type Message,
  type ParsedRequest,
  type RequestResult,
  type Room,
  type User,
} from '@parley/protocol';
import type { Db } from '../db/database.js';
import { isUniqueViolation } from '../db/database.js';
import { AppError } from '../errors.js';
import * as messages from '../messages/messages.store.js';
import type { EnforcedLimit } from '../limits/refusals.js';
import type { Fanout } from '../realtime/fanout.js';
import * as store from './rooms.store.js';
import { dropInvite } from './room-admin.store.js';
import { createRoomAdmin, type RoomAdmin, type RoomAdminDeps, type RoomWrite } from './room-admin.service.js';
import { CoherentCache } from '../db/coherent-cache.js';
import { encodeOnce } from '../realtime/shared-json.js';
import { CatchUpMemo, type CatchUp, type RoomState } from './catch-up-memo.js';

/** Wave 2: RoomAdmin brings roleOf(roomId, userId) and mayModerate(roomId, userId). */
export interface RoomsService extends RoomAdmin {
  create(user: User, input: ParsedRequest<'room:create'>): Promise<RequestResult<'room:create'>>;
  list(user: User, input: ParsedRequest<'room:list'>): Promise<RequestResult<'room:list'>>;
  /** `socketId`: the connection that asks, subscribed to the room before its history is read. */
  join(user: User, input: ParsedRequest<'room:join'>, socketId?: string): Promise<RequestResult<'room:join'>>;
  leave(user: User, input: ParsedRequest<'room:leave'>): Promise<RequestResult<'room:leave'>>;
  history(user: User, input: ParsedRequest<'room:history'>): Promise<RequestResult<'room:history'>>;
  /** Throws NOT_FOUND for a missing room and FORBIDDEN for a non-member. */
  assertMember(user: User, roomId: string): Promise<void>;
  roomIdsOf(userId: string): Promise<string[]>;
}

export interface RoomsServiceDeps extends Omit<RoomAdminDeps, 'findUser' | 'roomWrite'> {
  db: Db;
  fanout: Fanout;
  /** Finds a user by name (room:invite, kick, ban, role); absent in tests that need none of them. */
  findUser?: RoomAdminDeps['findUser'];
  /** Puts the files each message carries on it (the files service); identity when absent. */
  withAttachments?(messages: Message[]): Promise<Message[]>;
  /** Rooms a user may create per window. */
  creations: EnforcedLimit;
  /** The database's change counter for other processes (SQLite); without it no room ids are cached. */
  changesByOthers?: () => number;
}

/** Users whose room ids are kept at most (measured ~1.1 KiB with one room, +0.5 KiB a room): past it, the oldest go. */
const ROOM_IDS_CACHE_MAX = 20_000;

/**
 * Rooms whose row and member list are kept at most for re-joins. A room of ten members takes
 * about 3 KiB with its JSON; a room of thousands more, but it is read once instead of at every
 * re-join of each of its members.
 */
const ROOM_VIEWS_MAX = 5_000;

/** A room as every join answers it: the same objects for every member, encoded to JSON once. */
interface RoomView {
  room: Room;
  members: Member[];
  memberIds: ReadonlySet<string>;
}

/**
 * Messages the re-joins' shared catch-ups hold at most: ~0.96 KiB each, objects and their JSON
 * (measured with --expose-gc), so ≤ ~56 MiB. Sized for a storm in which every room's clients
 * come back in turns (19,000 clients of 2,000 rooms, 20 missed each, in the benchmark): with
 * room for only half of the rooms, an LRU memo missed every time.
 */
const CATCH_UP_MEMO_MESSAGES = 60_000;
/** A catch-up nobody asked for in this long is dropped: a storm is over within seconds. */
const CATCH_UP_IDLE_MS = 60_000;

export function createRoomsService(deps: RoomsServiceDeps): RoomsService {
  const { db, fanout } = deps;
  /**
   * Issue 17: each user's room ids, which every handshake subscribes the connection to. Never
   * stale (CoherentCache): every membership write of this process goes through roomWrite;
   * other processes' writes move SQLite's data_version; on PostgreSQL nothing is cached.
   */
  const roomIdsCache = new CoherentCache<readonly string[]>(deps.changesByOthers, ROOM_IDS_CACHE_MAX);
  /**
   * Issue 17: each room's row and members, which every join answers (a storm's re-joins of one
   * room read them once). Kept on the same terms: every write of a room's row, members or roles
   * goes through roomWrite; on PostgreSQL nothing is kept.
   */
  const roomViews = new CoherentCache<RoomView>(deps.changesByOthers, ROOM_VIEWS_MAX);
  const roomWrite: RoomWrite = (change, write) =>
    roomViews.around(
      () => roomViews.delete(change.roomId),
      () => {
        const { memberships } = change;
        if (memberships === undefined) return write();
        return roomIdsCache.around(
          () => (memberships === 'everyone' ? roomIdsCache.clear() : roomIdsCache.delete(memberships.userId)),
          write,
        );
      },
    );
  const catchUps = new CatchUpMemo(CATCH_UP_MEMO_MESSAGES, CATCH_UP_IDLE_MS);
  const admin = createRoomAdmin({
    ...deps,
    findUser: deps.findUser ?? (() => Promise.resolve(undefined)),
    roomWrite,
  });
  const withAttachments = (list: Message[]) => deps.withAttachments?.(list) ?? Promise.resolve(list);

  async function findRoomOrThrow(roomId: string): Promise<Room> {
    const room = await store.findRoom(db, roomId);
    if (!room) throw new AppError('NOT_FOUND', 'no such room');
    return room;
  }

  async function assertMember(user: User, roomId: string): Promise<void> {
    if (await store.isMember(db, roomId, user.id)) return;
    await findRoomOrThrow(roomId);
    throw new AppError('FORBIDDEN', 'join the room first');
  }

  async function catchUp(roomId: string, sinceSeq: number | undefined, state: RoomState): Promise<CatchUp> {
    if (sinceSeq === undefined) {
      const latest = await messages.listBefore(db, roomId, undefined, JOIN_LATEST);
      return { messages: await withAttachments(latest), hasMore: (latest[0]?.seq ?? 1) > 1 };
    }
    return catchUps.answer(roomId, state, sinceSeq, async () => {
      const after = await messages.listAfter(db, roomId, sinceSeq, CATCH_UP_MAX + 1);
      return {
        // Shared by every re-join of this state: encoded to JSON once for all of them.
        messages: encodeOnce(await withAttachments(after.slice(0, CATCH_UP_MAX))),
        hasMore: after.length > CATCH_UP_MAX,
      };
    });
  }

  /**
   * The room and its members as a join answers them. Where views are kept (SQLite), the view:
   * kept, or read and kept unless the room changed meanwhile. Elsewhere the members are read,
   * with the room as read before (a new member's count changed: read again).
   */
  async function roomAndMembers(roomId: string, roomBefore: Room | undefined): Promise<Omit<RoomView, 'memberIds'>> {
    if (!roomViews.enabled) {
      const [room, members] = await Promise.all([roomBefore ?? findRoomOrThrow(roomId), store.listMembers(db, roomId)]);
      return { room, members };
    }
    const kept = roomViews.get(roomId);
    if (kept) return kept;
    const generation = roomViews.generation;
    const [room, members] = await Promise.all([store.findRoom(db, roomId), store.listMembers(db, roomId)]);
    if (!room) throw new AppError('NOT_FOUND', 'no such room');
    // Shared by every join of this room until it changes: encoded to JSON once for all of them.
    const view = { room: encodeOnce(room), members: encodeOnce(members), memberIds: new Set(members.map((m) => m.id)) };
    roomViews.set(roomId, view, generation);
    return view;
  }

  /** Issue 14: the messages the caller had (seq ≤ sinceSeq) that changed after sinceVersion. */
  async function changesSince(roomId: string, sinceSeq: number | undefined, sinceVersion: number | undefined) {
    if (sinceVersion === undefined || sinceSeq === undefined) return {};
    const changed = await messages.listChanged(db, roomId, sinceSeq, sinceVersion, CATCH_UP_MAX + 1);
    return {
      changed: await withAttachments(changed.slice(0, CATCH_UP_MAX)),
      ...(changed.length > CATCH_UP_MAX ? { changedHasMore: true } : {}),
    };
  }

  return {
    ...admin,
    assertMember,
    async roomIdsOf(userId) {
      const cached = roomIdsCache.get(userId);
      if (cached) return [...cached];
      const generation = roomIdsCache.generation;
      const roomIds = await store.listRoomIdsOfUser(db, userId);
      roomIdsCache.set(userId, roomIds, generation);
      return [...roomIds];
    },

    async create(user, input) {
      await deps.creations.consume(user.id);
      const id = randomUUID();
      try {
        const room = await roomWrite({ roomId: id, memberships: { userId: user.id } }, () =>
          store.insertRoomWithCreator(
            db,
            {
              id,
              name: input.name,
              topic: input.topic ?? '',
              capacity: input.capacity ?? ROOM_CAPACITY_DEFAULT,
              createdBy: user.id,
              visibility: input.visibility ?? 'public',
            },
            new Date(),
          ),
        );
        await fanout.subscribeUser(user.id, id);
        return { room };
      } catch (error) {
        if (isUniqueViolation(error)) throw new AppError('CONFLICT', 'a room with that name exists');
        throw error;
      }
    },

    async list(user, input) {
      const [page, joinedRoomIds] = await Promise.all([
        store.listRooms(db, {
          userId: user.id,
          limit: input.limit ?? ROOM_LIST_LIMIT_DEFAULT,
          ...(input.query ? { query: input.query } : {}),
          ...(input.joined === undefined ? {} : { joined: input.joined }),
          ...(input.cursor === undefined ? {} : { afterName: input.cursor }),
        }),
        store.listRoomIdsOfUser(db, user.id),
      ]);
      // The cursor is the last room's lowercase name: names are unique in any case, and a client
      // that sends anything else gets a page that starts after it, which harms nobody.
      return {
        rooms: page.rooms,
        joinedRoomIds,
        ...(page.nextAfterName === undefined ? {} : { nextCursor: page.nextAfterName }),
      };
    },

    async join(user, input, socketId) {
      // Issue 17: a re-join (the reconnect storm is thousands of them) writes nothing, and finds
      // the room and its members kept (read once for all of its members), or reads the room and
      // the membership in one read; only someone who is not a member yet is added.
      const kept = roomViews.get(input.roomId);
      const found = kept
        ? { room: kept.room, isMember: kept.memberIds.has(user.id) }
        : await store.findRoomForJoin(db, input.roomId, user.id);
      if (!found) throw new AppError('NOT_FOUND', 'no such room');
      let outcome: store.AddMemberOutcome = 'already-member';
      if (!found.isMember) {
        // Anyone who is not a member yet passes the ban and the private-room checks first.
        await admin.assertMayJoin(found.room, user.id);
        outcome = await roomWrite({ roomId: input.roomId, memberships: { userId: user.id } }, () =>
          store.addMember(db, input.roomId, user.id, new Date()),
        );
        if (outcome === 'full') throw new AppError('ROOM_FULL', 'room is full');
      }
      // Subscribe before reading history, so a message stored in between arrives live (the
      // client drops the duplicate by seq) rather than not at all. A member's other connections
      // are subscribed already: a re-join subscribes only the connection that asks (with a
      // Redis adapter, subscribing all of the user's connections is a round to every instance).
      if (outcome === 'already-member' && socketId !== undefined) fanout.subscribeConnection(socketId, input.roomId);
      else await fanout.subscribeUser(user.id, input.roomId);
      if (outcome === 'added') {
        // A public room needs no invitation to come back: once in, its invitation is spent.
        if (found.room.visibility === 'public') await dropInvite(db, input.roomId, user.id);
        // A plain member's 'joined' stays the contract's shape; an owner or moderator rejoining says so.
        const role = await admin.roleOf(input.roomId, user.id);
        const event = { roomId: input.roomId, user, change: 'joined' as const };
        fanout.toRoom(input.roomId, 'room:member', role && role !== 'member' ? { ...event, role } : event);
      }
      // The version is read before the messages: every change at or below it is in the answer or
      // (subscribed above) arrives live, so it is a safe floor for the client's counter.
      const state = await messages.roomState(db, input.roomId);
      const version = state.lastVersion;
      // The members are taken after subscribing too: one who joins later arrives as room:member.
      const [{ room, members }, recent, changes] = await Promise.all([
        roomAndMembers(input.roomId, outcome === 'added' ? undefined : found.room),
        catchUp(input.roomId, input.sinceSeq, state),
        changesSince(input.roomId, input.sinceSeq, input.sinceVersion),
      ]);
      return { room, members, messages: recent.messages, hasMore: recent.hasMore, ...changes, version };
    },

    async leave(user, input) {
      await findRoomOrThrow(input.roomId);
      const wasMember = await roomWrite({ roomId: input.roomId, memberships: { userId: user.id } }, () =>
        store.removeMember(db, input.roomId, user.id),
      );
      await fanout.unsubscribeUser(user.id, input.roomId);
      if (wasMember) fanout.toRoom(input.roomId, 'room:member', { roomId: input.roomId, user, change: 'left' });
      return {};
    },

    async history(user, input) {
      await assertMember(user, input.roomId);
      const page = await withAttachments(
        await messages.listBefore(db, input.roomId, input.beforeSeq, input.limit ?? HISTORY_LIMIT_DEFAULT),
      );
      // seq is gap-free from 1, so older messages exist exactly when the page starts above 1.
      return { messages: page, hasMore: (page[0]?.seq ?? 1) > 1 };
    },
  };
}
