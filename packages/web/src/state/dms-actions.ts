import { DM_PAYLOAD_MAX, type DmNew, type DmStatus, type User } from '@parley/protocol';
import type { ParleyClient } from '@parley/sdk';
import { decryptMessage, encryptMessage, readEnvelope } from '../dms/crypto.js';
import type { DmMessage } from './app-state.js';
import { describeDmError } from './dm-errors.js';
import { createDmKeys } from './dm-keys.js';
import {
  findMessage,
  insertMessage,
  isOverdue,
  patchMessage,
  threadKey,
  updateThread,
  withThread,
} from './dm-threads.js';
import type { Ctx } from './context.js';
import { newUuid } from './uuid.js';

/** How long the server keeps a message for a recipient who is away (the protocol's default). */
export const DM_TTL_SECONDS = 120;
/** Lets the server's own `dm:status` arrive first before we call a message expired. */
const EXPIRY_GRACE_MS = 2000;
const ACK_DELAY_MS = 50;

export type DmActions = ReturnType<typeof createDmActions>;

export function createDmActions(ctx: Ctx) {
  const { store } = ctx;
  const keys = createDmKeys(ctx);
  /** Bumped when a session ends, so work begun for it cannot touch the next one's state. */
  let generation = 0;
  let unsubscribe: (() => void)[] = [];
  /** A status that came before the ack telling us the message's id. */
  const earlyStatus = new Map<string, DmStatus['status']>();
  const expiryTimers = new Set<ReturnType<typeof setTimeout>>();
  let toAck: string[] = [];
  let ackTimer: ReturnType<typeof setTimeout> | undefined;
  /** dm:new is handled one at a time, so messages keep their order while they decrypt. */
  let incoming: Promise<void> = Promise.resolve();

  const me = () => store.get().me;

  function scheduleExpiry(message: DmMessage): void {
    const timer = setTimeout(
      () => {
        expiryTimers.delete(timer);
        const current = findMessage(store.get(), { localId: message.localId });
        if (current && isOverdue(current, Date.now(), EXPIRY_GRACE_MS)) {
          store.set((s) => patchMessage(s, { localId: message.localId }, { status: 'expired' }));
        }
      },
      Math.max(0, Date.parse(message.expiresAt) - Date.now() + EXPIRY_GRACE_MS),
    );
    expiryTimers.add(timer);
  }

  const fail = (localId: string, error: string) =>
    store.set((s) => patchMessage(s, { localId }, { status: 'failed', error }));

  async function deliver(username: string, localId: string): Promise<void> {
    const client = ctx.client;
    const user = me();
    const mySession = generation;
    const identity = keys.identity();
    if (!client || !user || !identity) return fail(localId, 'Not connected');
    store.set((s) => patchMessage(s, { localId }, { status: 'sending', error: undefined }));
    let thread = store.get().dms[threadKey(username)];
    if (thread && !thread.peerKey) {
      await keys.refresh(thread.peer);
      thread = store.get().dms[threadKey(username)];
    }
    const message = thread?.messages.find((m) => m.localId === localId);
    if (!thread || !message || mySession !== generation) return undefined;
    if (!thread.peerKey) return fail(localId, thread.keyProblem ?? `No key for ${thread.peer.username}`);
    if (thread.keyChanged) return fail(localId, `${thread.peer.username}'s key changed: check the safety number`);
    let payload: string;
    try {
      const key = await keys.shared(thread.peerKey);
      payload = await encryptMessage(
        key,
        identity.publicKey,
        { from: user.username, to: thread.peer.username },
        message.text,
      );
    } catch {
      return fail(localId, `${thread.peer.username}'s key is not valid`);
    }
    if (payload.length > DM_PAYLOAD_MAX) return fail(localId, 'Too long to send privately');
    // A retry reuses the clientMsgId: the server answers the first message's id and sends it once.
    const result = await client.request(
      'dm:send',
      { to: thread.peer.username, clientMsgId: localId, payload, ttlSeconds: DM_TTL_SECONDS },
      { retries: 2 },
    );
    if (mySession !== generation) return undefined;
    if (!result.ok) return fail(localId, describeDmError(result.error, thread.peer.username));
    const status = earlyStatus.get(result.id) ?? result.status;
    earlyStatus.delete(result.id);
    const expiresAt = new Date(Date.now() + DM_TTL_SECONDS * 1000).toISOString();
    store.set((s) => patchMessage(s, { localId }, { id: result.id, status, expiresAt }));
    if (status === 'queued') scheduleExpiry({ ...message, expiresAt });
    return undefined;
  }

  function flushAcks(): void {
    ackTimer = undefined;
    const ids = toAck;
    toAck = [];
    if (ids.length > 0) void ctx.client?.request('dm:ack', { ids }, { retries: 2 });
  }

  function ack(id: string): void {
    // Acks of a burst (the replay at connect) go out together.
    toAck.push(id);
    ackTimer ??= setTimeout(flushAcks, ACK_DELAY_MS);
  }

  function isViewing(username: string): boolean {
    return store.get().activeDm === threadKey(username) && document.visibilityState === 'visible';
  }

  async function receive(dm: DmNew): Promise<void> {
    const user = me();
    const mySession = generation;
    if (!user || !keys.identity()) return;
    if (findMessage(store.get(), { id: dm.id })) return ack(dm.id); // a replay of one we showed: our ack was lost
    const envelope = readEnvelope(dm.payload);
    let text: string | undefined;
    try {
      if (envelope) {
        const key = await keys.shared(envelope.k);
        text = await decryptMessage(key, envelope, { from: dm.from.username, to: user.username });
      }
    } catch {
      text = undefined;
    }
    if (mySession !== generation) return;
    if (text === undefined || !envelope) {
      // Not acked: it was encrypted for another key of ours (another browser), which may still read it.
      store.set((s) =>
        updateThread(withThread(s, dm.from), dm.from.username, (t) => ({ ...t, undecryptable: t.undecryptable + 1 })),
      );
      return;
    }
    const message: DmMessage = {
      localId: dm.id,
      id: dm.id,
      mine: false,
      text,
      sentAt: dm.sentAt,
      expiresAt: dm.expiresAt,
      status: 'received',
    };
    const viewing = isViewing(dm.from.username);
    store.set((s) =>
      updateThread(withThread(s, dm.from), dm.from.username, (t) => ({
        ...t,
        messages: insertMessage(t.messages, message),
        unread: viewing ? 0 : t.unread + 1,
      })),
    );
    ack(dm.id);
    const thread = store.get().dms[threadKey(dm.from.username)];
    if (thread?.peerKey !== envelope.k) await keys.adopt(dm.from, envelope.k);
    if (!viewing) {
      ctx.toast('info', `Off-the-record message from ${dm.from.username}`);
      // No text in the notification: the system may keep notifications on disk, and these are off the record.
      ctx.notify(`${dm.from.username} (off the record)`, 'New private message', `dm:${dm.from.id}`, () =>
        open(dm.from),
      );
    }
  }

  function onStatus({ id, status }: DmStatus): void {
    const message = findMessage(store.get(), { id });
    if (!message) {
      earlyStatus.set(id, status);
      return;
    }
    if (message.status === 'delivered') return;
    store.set((s) => patchMessage(s, { id }, { status }));
  }

  function open(peer: User): void {
    const key = threadKey(peer.username);
    store.set((s) => ({ ...withThread(s, peer), activeDm: key }));
    markRead(peer.username);
    void keys.refresh(peer);
  }

  function markRead(username: string): void {
    store.set((s) => updateThread(s, username, (t) => (t.unread === 0 ? t : { ...t, unread: 0 })));
  }

  return {
    open,
    markRead,
    /** The private-message keys, for what else is sealed with them (call signalling). */
    keys,

    /** At session start: this browser's identity, published; then the conversation events. */
    async start(client: ParleyClient, userId: string): Promise<void> {
      if (!(await keys.load(userId))) return;
      unsubscribe = [
        client.on('dm:new', (dm) => {
          incoming = incoming.then(() => receive(dm)).catch(() => undefined);
        }),
        client.on('dm:status', onStatus),
      ];
      await keys.publish();
    },

    publishKey: () => keys.publish(),
    /** Asks again for a contact's key, e.g. while the conversation waits for them to get one. */
    refreshKey: (peer: User) => keys.refresh(peer),

    send(username: string, text: string): void {
      const now = new Date();
      const message: DmMessage = {
        localId: newUuid(),
        id: undefined,
        mine: true,
        text,
        sentAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + DM_TTL_SECONDS * 1000).toISOString(),
        status: 'sending',
      };
      store.set((s) => updateThread(s, username, (t) => ({ ...t, messages: [...t.messages, message] })));
      void deliver(username, message.localId);
    },

    retry: (username: string, localId: string) => void deliver(username, localId),

    discard(username: string, localId: string): void {
      store.set((s) =>
        updateThread(s, username, (t) => ({ ...t, messages: t.messages.filter((m) => m.localId !== localId) })),
      );
    },

    trustNewKey: (username: string) => keys.trust(username),

    close(): void {
      store.set((s) => ({ ...s, activeDm: undefined }));
    },

    /** Ends a conversation: its messages leave this page's memory. */
    forget(username: string): void {
      store.set((s) => {
        const { [threadKey(username)]: _gone, ...dms } = s.dms;
        return { ...s, dms, activeDm: s.activeDm === threadKey(username) ? undefined : s.activeDm };
      });
    },

    stop(): void {
      generation += 1;
      for (const off of unsubscribe) off();
      unsubscribe = [];
      for (const timer of expiryTimers) clearTimeout(timer);
      expiryTimers.clear();
      clearTimeout(ackTimer);
      ackTimer = undefined;
      toAck = [];
      keys.reset();
      earlyStatus.clear();
    },
  };
}
