import type { ParsedRequest, RequestResult, User } from '@parley/protocol';
import type { Db } from '../db/database.js';
import { AppError } from '../errors.js';
import type { Fanout } from '../realtime/fanout.js';
import type { PresenceService } from '../presence/presence.service.js';
import * as blocks from './blocks.store.js';
import * as store from './buddies.store.js';

type Empty = Record<never, never>;

export interface BuddiesService {
  request(user: User, input: ParsedRequest<'buddy:request'>): Promise<Empty>;
  respond(user: User, input: ParsedRequest<'buddy:respond'>): Promise<Empty>;
  remove(user: User, input: ParsedRequest<'buddy:remove'>): Promise<Empty>;
  list(user: User): Promise<RequestResult<'buddy:list'>>;
  /** Extension: blocks or unblocks a user; a block also ends the buddy pair and any request. */
  block(user: User, input: ParsedRequest<'buddy:block'>): Promise<Empty>;
  buddyIdsOf(userId: string): Promise<string[]>;
  /** False while either blocked the other (so calls, which need buddies, stop too). */
  areBuddies(userId: string, otherId: string): Promise<boolean>;
  isBlocked(userId: string, otherId: string): Promise<boolean>;
}

export function createBuddiesService(deps: {
  db: Db;
  fanout: Fanout;
  presence: PresenceService;
  findUser(username: string): Promise<User | undefined>;
}): BuddiesService {
  const { db, fanout, presence } = deps;

  async function other(user: User, username: string): Promise<User> {
    const found = await deps.findUser(username);
    if (!found) throw new AppError('NOT_FOUND', 'no such user');
    if (found.id === user.id) throw new AppError('BAD_REQUEST', 'username: you cannot be your own buddy');
    return found;
  }

  /** Both sides learn of the new pair, and each learns the other's status right away. */
  async function announcePair(a: User, b: User): Promise<void> {
    fanout.toUser(a.id, 'buddy:update', { user: b, relation: 'buddy' });
    fanout.toUser(b.id, 'buddy:update', { user: a, relation: 'buddy' });
    const statuses = await presence.statusOf([a.id, b.id]);
    fanout.toUser(a.id, 'presence', { user: b, status: statuses.get(b.id) ?? 'offline' });
    fanout.toUser(b.id, 'presence', { user: a, status: statuses.get(a.id) ?? 'offline' });
  }

  return {
    async request(user, input) {
      const target = await other(user, input.username);
      // Refused as a declined request would look: the blocked user learns nothing new.
      if (await blocks.isBlockedEitherWay(db, user.id, target.id))
        throw new AppError('FORBIDDEN', `you cannot ask ${target.username} to be your buddy`);
      if (await store.isBuddy(db, user.id, target.id)) return {};
      // They asked first: asking back is accepting.
      if (await store.acceptRequest(db, target.id, user.id, new Date())) {
        await announcePair(user, target);
        return {};
      }
      if (await store.insertRequest(db, user.id, target.id, new Date())) {
        fanout.toUser(target.id, 'buddy:request', { from: user });
      }
      return {};
    },

    async respond(user, input) {
      const requester = await other(user, input.username);
      if (input.accept) {
        if (!(await store.acceptRequest(db, requester.id, user.id, new Date()))) {
          throw new AppError('NOT_FOUND', `no buddy request from ${requester.username}`);
        }
        await announcePair(user, requester);
        return {};
      }
      if (!(await store.deleteRequest(db, requester.id, user.id))) {
        throw new AppError('NOT_FOUND', `no buddy request from ${requester.username}`);
      }
      fanout.toUser(requester.id, 'buddy:update', { user, relation: 'declined' });
      return {};
    },

    async remove(user, input) {
      const former = await other(user, input.username);
      if (await store.removeRelation(db, user.id, former.id)) {
        fanout.toUser(former.id, 'buddy:update', { user, relation: 'removed' });
        fanout.toUser(user.id, 'buddy:update', { user: former, relation: 'removed' });
      }
      return {};
    },

    async list(user) {
      const [rows, incoming, outgoing, blocked] = await Promise.all([
        store.listBuddies(db, user.id),
        store.listIncoming(db, user.id),
        store.listOutgoing(db, user.id),
        blocks.listBlocked(db, user.id),
      ]);
      const statuses = await presence.statusOf(rows.map((r) => r.user.id));
      const buddies = rows.map(({ user: buddy, lastSeenAt }) => {
        const status = statuses.get(buddy.id) ?? 'offline';
        return status === 'offline' && lastSeenAt ? { user: buddy, status, lastSeenAt } : { user: buddy, status };
      });
      return { buddies, incoming, outgoing, blocked };
    },

    async block(user, input) {
      const target = await other(user, input.username);
      await blocks.setBlocked(db, user.id, target.id, input.blocked, new Date());
      if (input.blocked && (await store.removeRelation(db, user.id, target.id))) {
        fanout.toUser(target.id, 'buddy:update', { user, relation: 'removed' });
        fanout.toUser(user.id, 'buddy:update', { user: target, relation: 'removed' });
      }
      return {};
    },

    buddyIdsOf: (userId) => store.listBuddyIds(db, userId),
    async areBuddies(userId, otherId) {
      return (await store.isBuddy(db, userId, otherId)) && !(await blocks.isBlockedEitherWay(db, userId, otherId));
    },
    isBlocked: (userId, otherId) => blocks.isBlockedEitherWay(db, userId, otherId),
  };
}
