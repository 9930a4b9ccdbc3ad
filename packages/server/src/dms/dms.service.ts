import { randomUUID } from 'node:crypto';
import {
  DM_TTL_DEFAULT_SECONDS,
  type DmNew,
  type ParsedRequest,
  type RequestResult,
  type User,
} from '@parley/protocol';
import type { Db } from '../db/database.js';
import { AppError } from '../errors.js';
import type { ConnectionLifecycle } from '../realtime/connection.js';
import type { Fanout } from '../realtime/fanout.js';
import type { Refusals } from '../limits/refusals.js';
import type { DmOutbox, OutboxEntry, QueueCap, QueueCaps } from './dms.outbox.js';
import { findPublicKey, savePublicKey } from './keys.store.js';

export interface DmService extends ConnectionLifecycle {
  send(user: User, input: ParsedRequest<'dm:send'>): Promise<RequestResult<'dm:send'>>;
  ack(user: User, input: ParsedRequest<'dm:ack'>): Promise<RequestResult<'dm:ack'>>;
  publishKey(user: User, input: ParsedRequest<'keys:publish'>): Promise<RequestResult<'keys:publish'>>;
  getKey(input: ParsedRequest<'keys:get'>): Promise<RequestResult<'keys:get'>>;
}

export interface DmServiceDeps {
  /** Undefined when private messages are off; then `disabledReason` says why. */
  outbox: DmOutbox | undefined;
  disabledReason?: string;
  fanout: Fanout;
  db: Db;
  findUser(username: string): Promise<User | undefined>;
  queueCaps: QueueCaps;
  refusals: Refusals;
}

/** How each cap's refusal is named in /metrics and the log. */
const capLimitNames: Record<QueueCap, string> = {
  perPair: 'dm-queue-pair',
  perSender: 'dm-queue-sender',
  perRecipient: 'dm-queue-recipient',
  total: 'dm-queue-total',
};

function toDmNew(entry: OutboxEntry): DmNew {
  return {
    id: entry.id,
    from: { id: entry.fromId, username: entry.fromUsername },
    payload: entry.payload,
    sentAt: new Date(entry.sentAt).toISOString(),
    expiresAt: new Date(entry.expiresAt).toISOString(),
  };
}

export function createDmService(deps: DmServiceDeps): DmService {
  const { outbox, fanout, db } = deps;
  outbox?.onExpired(({ id, fromId }) => fanout.toUser(fromId, 'dm:status', { id, status: 'expired' }));

  const requireOutbox = (): DmOutbox => {
    if (outbox) return outbox;
    throw new AppError('UNAVAILABLE', `private messages are off on this server: ${deps.disabledReason ?? 'no outbox'}`);
  };
  const requireUser = async (username: string): Promise<User> => {
    const user = await deps.findUser(username);
    if (!user) throw new AppError('NOT_FOUND', 'no such user');
    return user;
  };

  return {
    async send(user, input) {
      const box = requireOutbox();
      const recipient = await requireUser(input.to);
      const now = Date.now();
      const entry: OutboxEntry = {
        id: randomUUID(),
        fromId: user.id,
        fromUsername: user.username,
        toId: recipient.id,
        clientMsgId: input.clientMsgId,
        payload: input.payload,
        sentAt: now,
        expiresAt: now + (input.ttlSeconds ?? DM_TTL_DEFAULT_SECONDS) * 1000,
      };
      const result = await box.put(entry, deps.queueCaps);
      if (result.state === 'full') {
        const refusal = {
          perPair: {
            key: `${user.id} ${recipient.id}`,
            message: `too many of your messages wait for ${recipient.username}`,
          },
          perSender: { key: user.id, message: 'too many of your private messages are waiting' },
          perRecipient: { key: recipient.id, message: `${recipient.username} has too many messages waiting` },
          total: { key: 'all', message: 'too many private messages are waiting on this server' },
        }[result.cap];
        throw deps.refusals.refuse(capLimitNames[result.cap], { ...refusal, retryAfterMs: result.retryAfterMs });
      }
      if (result.state !== 'new') return { id: result.id, status: result.state };
      fanout.toUser(recipient.id, 'dm:new', toDmNew(result.entry));
      return { id: entry.id, status: 'queued' };
    },

    async ack(user, input) {
      const delivered = await requireOutbox().ack(user.id, input.ids);
      for (const { id, fromId } of delivered) fanout.toUser(fromId, 'dm:status', { id, status: 'delivered' });
      return {};
    },

    async publishKey(user, input) {
      await savePublicKey(db, user.id, input.publicKey, new Date());
      return {};
    },

    async getKey(input) {
      const user = await requireUser(input.username);
      const publicKey = await findPublicKey(db, user.id);
      if (!publicKey) throw new AppError('NOT_FOUND', `${user.username} has not published a key yet`);
      return { publicKey };
    },

    connected(connection) {
      if (!outbox) return;
      // What waited while the recipient was away goes to this new connection.
      void outbox.pendingFor(connection.user.id).then(
        (pending) => pending.forEach((entry) => connection.emit('dm:new', toDmNew(entry))),
        () => undefined,
      );
    },
  };
}
