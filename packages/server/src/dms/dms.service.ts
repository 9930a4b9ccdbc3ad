import { randomUUID } from 'node:crypto';
import {
  DM_TTL_DEFAULT_SECONDS,
  LEGACY_DEVICE_ID,
  RefusalReason,
  type DmCopy,
  type DmNew,
  type ParsedRequest,
  type RequestResult,
  type User,
} from '@parley/protocol';
import type { Db } from '../db/database.js';
import { AppError } from '../errors.js';
import type { Connection, ConnectionLifecycle } from '../realtime/connection.js';
import type { Fanout } from '../realtime/fanout.js';
import type { Refusals } from '../limits/refusals.js';
import type { DmOutbox, OutboxCopy, OutboxEntry, QueueCap, QueueCaps } from './dms.outbox.js';
import { findDecision, listDecisions, saveDecision } from './dm-requests.store.js';
import { deviceIdsOf, findKeysByUsername, removeDeviceKey, saveDeviceKey } from './keys.store.js';

export interface DmService extends ConnectionLifecycle {
  send(user: User, input: ParsedRequest<'dm:send'>, socketId?: string): Promise<RequestResult<'dm:send'>>;
  ack(user: User, input: ParsedRequest<'dm:ack'>, socketId?: string): Promise<RequestResult<'dm:ack'>>;
  publishKey(
    user: User,
    input: ParsedRequest<'keys:publish'>,
    socketId?: string,
  ): Promise<RequestResult<'keys:publish'>>;
  getKey(input: ParsedRequest<'keys:get'>): Promise<RequestResult<'keys:get'>>;
  removeKey(user: User, input: ParsedRequest<'keys:remove'>): Promise<RequestResult<'keys:remove'>>;
  respondToRequest(
    user: User,
    input: ParsedRequest<'dm:request:respond'>,
  ): Promise<RequestResult<'dm:request:respond'>>;
  listRequestDecisions(user: User): Promise<RequestResult<'dm:request:list'>>;
}

export interface DmServiceDeps {
  /** Undefined when private messages are off; then `disabledReason` says why. */
  outbox: DmOutbox | undefined;
  disabledReason?: string;
  fanout: Fanout;
  db: Db;
  findUser(username: string): Promise<User | undefined>;
  /** Whether the two are buddies (a private message from a non-buddy arrives as a request). */
  areBuddies(userId: string, otherId: string): Promise<boolean>;
  /** Whether either blocked the other: then no private messages pass. */
  isBlocked(userId: string, otherId: string): Promise<boolean>;
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

function toDmNew(entry: OutboxEntry, copy?: OutboxCopy): DmNew {
  const base: DmNew = {
    id: entry.id,
    from: { id: entry.fromId, username: entry.fromUsername },
    payload: copy?.payload ?? entry.payload ?? '',
    sentAt: new Date(entry.sentAt).toISOString(),
    expiresAt: new Date(entry.expiresAt).toISOString(),
  };
  if (!copy) return entry.request ? { ...base, request: true } : base;
  return {
    ...base,
    ...(entry.toUsername ? { to: { id: entry.toId, username: entry.toUsername } } : {}),
    deviceId: copy.deviceId,
    ...(entry.request && copy.userId === entry.toId ? { request: true } : {}),
  };
}

const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export function createDmService(deps: DmServiceDeps): DmService {
  const { outbox, fanout, db } = deps;
  /** This instance's connections, and the device each is bound to (by its keys:publish). */
  const connections = new Map<string, Connection>();
  const devices = new Map<string, string>();
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

  /**
   * Checks a send's copies: only for the recipient's devices and the sender's own, each device
   * once, each device one that exists (CONFLICT when the sender's list is out of date: it asks
   * `keys:get` again). Answers the copies and how many devices were given none.
   */
  async function checkCopies(
    user: User,
    recipient: User,
    copies: DmCopy[],
    sendingDevice: string | undefined,
    allDevices: boolean,
  ): Promise<{ copies: OutboxCopy[]; missingDevices: number }> {
    const known = await deviceIdsOf(db, [...new Set([user.id, recipient.id])]);
    const seen = new Set<string>();
    const checked = copies.map((copy) => {
      const owner = sameName(copy.username, recipient.username)
        ? recipient
        : sameName(copy.username, user.username)
          ? user
          : undefined;
      if (!owner) throw new AppError('BAD_REQUEST', "copies: only for the recipient's devices and your own");
      const key = `${owner.id}/${copy.deviceId}`;
      if (seen.has(key)) throw new AppError('BAD_REQUEST', 'copies: one per device');
      seen.add(key);
      const ids = known.get(owner.id) ?? new Set<string>();
      // A user whose only key predates devices has the device `default`.
      if (!ids.has(copy.deviceId) && !(ids.size === 0 && copy.deviceId === LEGACY_DEVICE_ID)) {
        throw new AppError('CONFLICT', `copies: ${owner.username} has no device ${copy.deviceId}; ask keys:get again`);
      }
      return { userId: owner.id, deviceId: copy.deviceId, payload: copy.payload };
    });
    if (!checked.some((c) => c.userId === recipient.id))
      throw new AppError('BAD_REQUEST', "copies: at least one for the recipient's devices");
    let missingDevices = 0;
    for (const [userId, ids] of known) {
      for (const deviceId of ids) {
        const isSender = userId === user.id && deviceId === sendingDevice;
        if (!isSender && !seen.has(`${userId}/${deviceId}`)) missingDevices += 1;
      }
    }
    if (allDevices && missingDevices > 0) {
      throw new AppError(
        'CONFLICT',
        `copies: ${missingDevices} device(s) would get none; ask keys:get again`,
        undefined,
        RefusalReason.missingDevices,
      );
    }
    return { copies: checked, missingDevices };
  }

  function fullRefusal(user: User, recipient: User, cap: QueueCap, retryAfterMs: number): AppError {
    const refusal = {
      perPair: {
        key: `${user.id} ${recipient.id}`,
        message: `too many of your messages wait for ${recipient.username}`,
      },
      perSender: { key: user.id, message: 'too many of your private messages are waiting' },
      perRecipient: { key: recipient.id, message: `${recipient.username} has too many messages waiting` },
      total: { key: 'all', message: 'too many private messages are waiting on this server' },
    }[cap];
    return deps.refusals.refuse(capLimitNames[cap], { ...refusal, retryAfterMs });
  }

  function fanOut(entry: OutboxEntry): void {
    if (!entry.copies) {
      fanout.toUser(entry.toId, 'dm:new', toDmNew(entry));
      return;
    }
    for (const copy of entry.copies) fanout.toDevice(copy.userId, copy.deviceId, 'dm:new', toDmNew(entry, copy));
  }

  /** What waits for this connection's device. */
  async function replayCopies(connection: Connection, box: DmOutbox, deviceId: string): Promise<void> {
    const pending = await box.pendingForDevice(connection.user.id, deviceId);
    for (const entry of pending) {
      const copy = entry.copies?.find((c) => c.userId === connection.user.id && c.deviceId === deviceId);
      if (copy) connection.emit('dm:new', toDmNew(entry, copy));
    }
  }

  /** Every status of the user's own messages still kept: replays are idempotent for clients. */
  async function replayStatuses(connection: Connection, box: DmOutbox): Promise<void> {
    for (const status of await box.statusesFor(connection.user.id)) connection.emit('dm:status', status);
  }

  /**
   * From a non-buddy whom the recipient has not accepted: shown as a message request. Writing to
   * a non-buddy accepts them for the sender (their answers are no request), on every device.
   */
  async function isRequest(sender: User, recipient: User): Promise<boolean> {
    if (await deps.areBuddies(sender.id, recipient.id)) return false;
    const [theirs, ours] = await Promise.all([
      findDecision(db, recipient.id, sender.id),
      findDecision(db, sender.id, recipient.id),
    ]);
    if (ours !== 'accepted') {
      await saveDecision(db, sender.id, recipient.id, 'accepted', new Date());
      fanout.toUser(sender.id, 'dm:request:update', { user: recipient, accept: true });
    }
    return theirs !== 'accepted';
  }

  return {
    async send(user, input, socketId) {
      const box = requireOutbox();
      const recipient = await requireUser(input.to);
      if (await deps.isBlocked(user.id, recipient.id)) {
        throw new AppError('FORBIDDEN', `you cannot send private messages to ${recipient.username}`);
      }
      const sendingDevice = socketId ? devices.get(socketId) : undefined;
      const checked = input.copies
        ? await checkCopies(user, recipient, input.copies, sendingDevice, input.allDevices === true)
        : { copies: undefined, missingDevices: undefined };
      const request = recipient.id !== user.id && (await isRequest(user, recipient));
      const now = Date.now();
      const entry: OutboxEntry = {
        id: randomUUID(),
        fromId: user.id,
        fromUsername: user.username,
        toId: recipient.id,
        toUsername: recipient.username,
        clientMsgId: input.clientMsgId,
        ...(input.payload !== undefined ? { payload: input.payload } : {}),
        ...(checked.copies ? { copies: checked.copies } : {}),
        ...(request ? { request } : {}),
        sentAt: now,
        expiresAt: now + (input.ttlSeconds ?? DM_TTL_DEFAULT_SECONDS) * 1000,
      };
      const result = await box.put(entry, deps.queueCaps);
      if (result.state === 'full') throw fullRefusal(user, recipient, result.cap, result.retryAfterMs);
      const missing = checked.missingDevices === undefined ? {} : { missingDevices: checked.missingDevices };
      if (result.state !== 'new') return { id: result.id, status: result.state, ...missing };
      fanOut(result.entry);
      return { id: entry.id, status: 'queued', ...missing };
    },

    async ack(user, input, socketId) {
      const deviceId = socketId ? devices.get(socketId) : undefined;
      const delivered = await requireOutbox().ack(user.id, input.ids, deviceId);
      for (const { id, fromId } of delivered) fanout.toUser(fromId, 'dm:status', { id, status: 'delivered' });
      return {};
    },

    async publishKey(user, input, socketId) {
      const deviceId = input.deviceId ?? LEGACY_DEVICE_ID;
      await saveDeviceKey(db, user.id, deviceId, input.publicKey, new Date());
      const connection = socketId ? connections.get(socketId) : undefined;
      if (!socketId || !connection) return {};
      if (devices.get(socketId) !== deviceId) {
        devices.set(socketId, deviceId);
        fanout.bindDevice(socketId, user.id, deviceId);
      }
      // A client publishes once its listeners are set up (at every connect): it gets then what
      // waits for this device, and the statuses it missed, even if the connect-time replay came
      // before its listeners did.
      if (outbox) {
        await replayCopies(connection, outbox, deviceId).catch(() => undefined);
        await replayStatuses(connection, outbox).catch(() => undefined);
      }
      return {};
    },

    async getKey(input) {
      // The same answer for an unknown user and a user without a key: nobody learns who exists.
      const keys = await findKeysByUsername(db, input.username);
      if (!keys) throw new AppError('NOT_FOUND', 'no public key for this user');
      return { publicKey: keys.publicKey, devices: keys.devices };
    },

    async removeKey(user, input) {
      // Only the caller's own devices: another user's device id is simply not found.
      if (!(await removeDeviceKey(db, user.id, input.deviceId))) throw new AppError('NOT_FOUND', 'no such device');
      return {};
    },

    async respondToRequest(user, input) {
      const peer = await requireUser(input.username);
      if (peer.id === user.id) throw new AppError('BAD_REQUEST', 'username: your own messages are never a request');
      await saveDecision(db, user.id, peer.id, input.accept ? 'accepted' : 'ignored', new Date());
      // Every device of the user (this one too: it is idempotent) shows the same answer.
      fanout.toUser(user.id, 'dm:request:update', { user: peer, accept: input.accept });
      return {};
    },

    listRequestDecisions: (user) => listDecisions(db, user.id),

    connected(connection) {
      connections.set(connection.socketId, connection);
      if (!outbox) return;
      // What waited while the recipient was away goes to this new connection (single-payload
      // messages now; per-device copies once the connection names its device), and every
      // status of the user's own messages it may have missed: replays are idempotent.
      const userId = connection.user.id;
      void Promise.all([outbox.pendingFor(userId), outbox.statusesFor(userId)]).then(
        ([pending, statuses]) => {
          pending.forEach((entry) => connection.emit('dm:new', toDmNew(entry)));
          statuses.forEach((status) => connection.emit('dm:status', status));
        },
        () => undefined,
      );
    },

    disconnected(connection) {
      connections.delete(connection.socketId);
      devices.delete(connection.socketId);
    },
  };
}
