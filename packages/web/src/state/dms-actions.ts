import { DM_PAYLOAD_MAX, type DmNew, type DmRequestUpdate, type DmStatus, type User } from '@parley/protocol';
import type { ParleyClient } from '@parley/sdk';
import type { DmMessage } from './app-state.js';
import { describeDmError } from './dm-errors.js';
import { createDmKeys } from './dm-keys.js';
import {
  acceptRequest,
  addToThread,
  countUndecryptable,
  findMessage,
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
  /** Ids of messages this device could not decrypt: each counted once. */
  const undecryptable = new Set<string>();
  /** dm:new is handled one at a time, so messages keep their order while they decrypt. */
  let incoming: Promise<void> = Promise.resolve();
  /**
   * The user's answers to message requests, by lower-case username (true: accepted, false:
   * ignored). Kept on the server for every device: loaded at start, then kept by `dm:request:update`.
   */
  const requestAnswers = new Map<string, boolean>();

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

  /** Encrypts for every device of the contact and our other devices, and sends; once more on a stale device list. */
  async function deliver(username: string, localId: string): Promise<void> {
    const client = ctx.client;
    const user = me();
    const mySession = generation;
    if (store.get().dmCrypto === 'insecure') return fail(localId, 'Private messages need HTTPS on this address');
    if (!client || !user || !keys.identity()) return fail(localId, 'Not connected');
    store.set((s) => patchMessage(s, { localId }, { status: 'sending', error: undefined }));
    let thread = store.get().dms[threadKey(username)];
    if (thread && (!thread.peerDevices?.length || keys.isStale(username) || keys.isStale(user.username))) {
      await Promise.all([keys.refresh(thread.peer), keys.refreshMine()]);
      thread = store.get().dms[threadKey(username)];
    }
    const message = thread?.messages.find((m) => m.localId === localId);
    if (!thread || !message || mySession !== generation) return undefined;
    const peer = thread.peer;
    if (!thread.peerDevices?.length) return fail(localId, thread.keyProblem ?? `No key for ${peer.username}`);
    if (thread.keyChanged) return fail(localId, `${peer.username}'s identity changed: check the safety number`);
    for (let attempt = 0; ; attempt += 1) {
      let copies;
      try {
        copies = await keys.sealFor(peer.username, message.text);
      } catch {
        return fail(localId, `${peer.username}'s key is not valid`);
      }
      if (copies.some((c) => c.payload.length > DM_PAYLOAD_MAX)) return fail(localId, 'Too long to send privately');
      // A retry reuses the clientMsgId: the server answers the first message's id and sends it once.
      // The first try insists on a copy for every device (one added a moment ago included); the
      // second, after asking again, sends to the devices there are, and counts what it missed.
      const result = await client.request(
        'dm:send',
        { to: peer.username, clientMsgId: localId, copies, ttlSeconds: DM_TTL_SECONDS, allDevices: attempt === 0 },
        { retries: 2 },
      );
      if (mySession !== generation) return undefined;
      if (!result.ok && result.error.code === 'CONFLICT' && attempt === 0) {
        // A device came or went since we asked: ask again, and seal for the devices there are now.
        await Promise.all([keys.refresh(peer), keys.refreshMine()]);
        continue;
      }
      if (!result.ok) return fail(localId, describeDmError(result.error, peer.username));
      // Some device got no copy (it is new to us): learn of it, for the notice and the next message.
      if ((result.missingDevices ?? 0) > 0) void Promise.all([keys.refresh(peer), keys.refreshMine()]);
      const status = earlyStatus.get(result.id) ?? result.status;
      earlyStatus.delete(result.id);
      const expiresAt = new Date(Date.now() + DM_TTL_SECONDS * 1000).toISOString();
      store.set((s) => patchMessage(s, { localId }, { id: result.id, status, expiresAt }));
      if (status === 'queued') scheduleExpiry({ ...message, expiresAt });
      return undefined;
    }
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
    const identity = keys.identity();
    if (!user || !identity) return;
    // A copy for another device of ours is not ours to read (the server does not send those).
    if (dm.deviceId !== undefined && dm.deviceId !== identity.deviceId) return;
    const own = dm.from.id === user.id;
    // Ours, sent from another device of ours: it belongs in the conversation with its recipient.
    const peer = own ? dm.to : dm.from;
    if (!peer) return;
    if (findMessage(store.get(), { id: dm.id })) return ack(dm.id); // a replay of one we showed: our ack was lost
    const opened = await keys.open(dm.from, own ? peer : user, dm.payload);
    if (mySession !== generation) return;
    if (!opened.ok) {
      // Not acked: another device of ours may read it. Counted once, and said, never silent.
      if (undecryptable.has(dm.id)) return;
      undecryptable.add(dm.id);
      store.set((s) => countUndecryptable(s, peer));
      ctx.toast('error', `A private message from ${dm.from.username} could not be decrypted on this device`);
      return;
    }
    const status = own ? (earlyStatus.get(dm.id) ?? 'queued') : 'received';
    earlyStatus.delete(dm.id);
    const message: DmMessage = {
      localId: dm.id,
      id: dm.id,
      mine: own,
      text: opened.text,
      sentAt: dm.sentAt,
      expiresAt: dm.expiresAt,
      status,
    };
    const answer = requestAnswers.get(threadKey(peer.username));
    if (dm.request === true && !own && answer === false) {
      // Ignored (on this device or another): acknowledged, so it is not offered again, and dropped quietly.
      ack(dm.id);
      return;
    }
    const viewing = isViewing(peer.username);
    const request = dm.request === true && answer !== true;
    store.set((s) => addToThread(s, peer, message, { viewing, request }));
    ack(dm.id);
    const thread = store.get().dms[threadKey(peer.username)];
    if (!thread?.peerDevices) void keys.refresh(peer);
    if (!viewing && !own) {
      ctx.toast(
        'info',
        request ? `Message request from ${dm.from.username}` : `Off-the-record message from ${dm.from.username}`,
      );
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

  /** A request answered here or on another device of ours: every device shows the same. */
  function applyRequestAnswer({ user: peer, accept }: DmRequestUpdate): void {
    requestAnswers.set(threadKey(peer.username), accept);
    if (accept) store.set((s) => acceptRequest(s, peer.username));
    else dropConversation(peer.username);
  }

  function dropConversation(username: string): void {
    store.set((s) => {
      const { [threadKey(username)]: _gone, ...dms } = s.dms;
      return { ...s, dms, activeDm: s.activeDm === threadKey(username) ? undefined : s.activeDm };
    });
  }

  /** Loads the answers kept on the server, before what waited for this device is replayed. */
  async function loadRequestAnswers(client: ParleyClient): Promise<void> {
    const result = await client.request('dm:request:list', {}, { retries: 2 });
    if (!result.ok) return;
    for (const user of result.accepted) applyRequestAnswer({ user, accept: true });
    for (const user of result.ignored) applyRequestAnswer({ user, accept: false });
  }

  /** Keeps the answer for every device of ours; said plainly when the server did not take it. */
  async function answerRequest(username: string, accept: boolean): Promise<void> {
    requestAnswers.set(threadKey(username), accept);
    const result = await ctx.client?.request('dm:request:respond', { username, accept }, { retries: 2 });
    if (!result?.ok) {
      ctx.toast(
        'error',
        `Your answer to ${username}'s request is kept on this page only: ${result ? describeDmError(result.error, username) : 'not connected'}`,
      );
    }
  }

  function open(peer: User): void {
    const key = threadKey(peer.username);
    store.set((s) => ({ ...withThread(s, peer), activeDm: key }));
    markRead(peer.username);
    // Both lists, fresh: a device either of us added a moment ago gets the first message too.
    void keys.refreshMine().then(() => keys.refresh(peer));
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
      // A conversation opened before the key pair was loaded (a reload at /dm/:username, the
      // key store slow to answer) could not take the contact's keys into use: it does so now.
      for (const thread of Object.values(store.get().dms)) {
        if (!thread.peerDevices) void keys.refresh(thread.peer);
      }
      unsubscribe = [
        client.on('dm:new', (dm) => {
          incoming = incoming.then(() => receive(dm)).catch(() => undefined);
        }),
        client.on('dm:status', onStatus),
        client.on('dm:request:update', applyRequestAnswer),
      ];
      // The answers load while the key is published (others learn of this device at once); what
      // comes for this device waits for them in the queue, so a request accepted elsewhere is no request here.
      const answers = loadRequestAnswers(client).catch(() => undefined);
      incoming = incoming.then(() => answers);
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

    /** The user compared safety numbers: the contact's devices shown now are verified. */
    verify: (username: string) => keys.verify(username),
    dismissDeviceNotice: (username: string) => keys.dismissNotice(username),

    /** Accepting a request: a normal conversation on every device of ours, kept on the server. */
    acceptRequest(username: string): void {
      store.set((s) => acceptRequest(s, username));
      void answerRequest(username, true);
    },

    /** Ignoring a request: the conversation leaves every device of ours; the sender is not told. */
    ignoreRequest(username: string): void {
      dropConversation(username);
      void answerRequest(username, false);
    },

    /** Blocks the contact (no private messages, buddy requests or calls from them) and ends the conversation. */
    async block(username: string): Promise<boolean> {
      const result = await ctx.client?.request('buddy:block', { username, blocked: true }, { retries: 1 });
      if (!result?.ok) {
        ctx.toast('error', result ? describeDmError(result.error, username) : 'Not connected');
        return false;
      }
      ctx.toast('info', `You blocked ${username}`);
      store.set((s) => {
        const { [threadKey(username)]: _gone, ...dms } = s.dms;
        return { ...s, dms, activeDm: s.activeDm === threadKey(username) ? undefined : s.activeDm };
      });
      return true;
    },

    /** Signing out this browser: its device leaves the user's list, so no more copies come for it. */
    signOutDevice: (userId: string) => keys.removeDevice(userId),

    /**
     * The DM crypto API for other capabilities (calls seal their signalling with it):
     * `sealFor(username, text, purpose)` encrypts for every device of `username` and our own
     * other devices (asking the server for their devices when unknown); `openSealed(from,
     * to, payload, purpose)` decrypts what this device got. See dms/device-crypto.ts.
     */
    async sealFor(username: string, text: string, purpose?: string) {
      if (!keys.devices(username)?.length) await keys.refresh({ id: '', username });
      return keys.sealFor(username, text, purpose);
    },
    openSealed: (from: User, to: User, payload: string, purpose?: string) => keys.open(from, to, payload, purpose),

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
      requestAnswers.clear();
      earlyStatus.clear();
      undecryptable.clear();
    },
  };
}
