import { mentionsUser, type FileInfo, type Message } from '@parley/protocol';
import type { Outgoing } from './app-state.js';
import { describeError, type Ctx } from './context.js';
import { mergeMessages } from './messages.js';
import { enqueue, isTransient, nextToSend, requeue, retryDelayMs } from './outbox.js';
import { persist } from './persist.js';
import { DEFAULT_PREFS, shouldNotify } from './room-admin.js';
import { newUuid } from './uuid.js';

const OLDER_PAGE = 50;

export type ChatActions = ReturnType<typeof createChatActions>;

/** Read state lives in attention-actions.ts; chat tells it what arrived and asks it to mark read. */
export interface ReadHooks {
  received(roomId: string, fresh: Message[]): void;
  markRead(roomId: string): void;
}

export function createChatActions(ctx: Ctx, reads: ReadHooks) {
  const { store } = ctx;
  /** Rooms whose head message is in flight or waiting to be sent again: nothing else of theirs goes. */
  const busyRooms = new Set<string>();
  const waiting = new Map<string, ReturnType<typeof setTimeout>>();
  /** Transient refusals in a row, per message: the exponent of its next wait. */
  const attempts = new Map<string, number>();
  /** Messages that arrive for a room whose join answer has not been stored yet. */
  const early = new Map<string, Message[]>();

  function setOutbox(update: (outbox: Outgoing[]) => Outgoing[]): void {
    store.set((s) => ({ ...s, outbox: update(s.outbox) }));
    const { me, outbox } = store.get();
    if (me) persist.saveOutbox(me.id, outbox);
  }

  const patchOutgoing = (clientMsgId: string, patch: Partial<Outgoing>) =>
    setOutbox((o) => o.map((item) => (item.clientMsgId === clientMsgId ? { ...item, ...patch } : item)));

  // The server keeps the read position now (issue 14): every device shows the same counts.
  const markRead = (roomId: string) => reads.markRead(roomId);

  /** Every confirmed message enters here: live ones, catch-up after a reconnect, and our own acks. */
  function receive(roomId: string, messages: Message[]): void {
    const s = store.get();
    const view = s.rooms[roomId];
    if (!view) {
      early.set(roomId, [...(early.get(roomId) ?? []), ...messages]);
      return;
    }
    const myIds = new Set(messages.filter((m) => m.sender.id === s.me?.id).map((m) => m.clientMsgId));
    if (myIds.size > 0 && s.outbox.some((o) => myIds.has(o.clientMsgId))) {
      setOutbox((o) => o.filter((item) => !myIds.has(item.clientMsgId)));
    }
    const known = new Set(view.messages.map((m) => m.id));
    const fresh = messages.filter((m) => !known.has(m.id));
    const unseen = fresh.filter((m) => m.sender.id !== s.me?.id).length;
    ctx.updateRoom(roomId, (v) => ({ ...v, messages: mergeMessages(v.messages, messages) }));
    reads.received(roomId, fresh);
    const latest = unseen > 0 ? fresh.filter((m) => m.sender.id !== s.me?.id).at(-1) : undefined;
    const prefs = s.roomPrefs[roomId] ?? DEFAULT_PREFS;
    // The room's notification setting decides; a mention has its own notification (attention-actions.ts).
    if (latest && shouldNotify(prefs, latest, s.me?.username) && !(s.me && mentionsUser(latest.body, s.me.username))) {
      // One notification per room, replaced by the next (same tag): a busy room must not bury the desktop.
      const more = unseen > 1 ? ` (+${unseen - 1} more)` : '';
      ctx.notify(
        `#${view.room.name}`,
        `${latest.sender.username}: ${latest.body.slice(0, 140)}${more}`,
        `room:${roomId}`,
        () => {
          store.set((st) => ({ ...st, activeRoomId: roomId, activeDm: undefined }));
          markRead(roomId);
        },
      );
    }
  }

  function takeEarly(roomId: string): Message[] {
    const messages = early.get(roomId) ?? [];
    early.delete(roomId);
    return messages;
  }

  /** Sends the head of every room's queue that is free to go (outbox.ts decides which). */
  function pump(): void {
    if (!ctx.client) return;
    for (const head of nextToSend(store.get().outbox, busyRooms)) void sendHead(head);
  }

  /** Holds a room's queue for `ms`, then lets its head go again. */
  function holdRoom(roomId: string, ms: number): void {
    clearTimeout(waiting.get(roomId));
    waiting.set(
      roomId,
      setTimeout(() => {
        waiting.delete(roomId);
        busyRooms.delete(roomId);
        pump();
      }, ms),
    );
  }

  async function sendHead(item: Outgoing): Promise<void> {
    const client = ctx.client;
    if (!client) return;
    busyRooms.add(item.roomId);
    // The SDK retries a lost ack with the same clientMsgId; the server stores the message once.
    const result = item.attachments?.length
      ? await client.request(
          'message:send',
          {
            roomId: item.roomId,
            clientMsgId: item.clientMsgId,
            body: item.body,
            attachments: item.attachments.map((f) => f.id),
            ...(item.replyTo === undefined ? {} : { replyTo: item.replyTo }),
          },
          { retries: 3 },
        )
      : await client.sendMessage(item.roomId, item.body, item.clientMsgId, item.replyTo);
    if (result.ok) {
      attempts.delete(item.clientMsgId);
      busyRooms.delete(item.roomId);
      receive(item.roomId, [result.message]);
      pump();
      return;
    }
    const { error } = result;
    if (isTransient(error)) {
      // Still the head: the messages written after it wait behind it, so that order holds.
      const attempt = attempts.get(item.clientMsgId) ?? 0;
      attempts.set(item.clientMsgId, attempt + 1);
      holdRoom(item.roomId, retryDelayMs(error, attempt));
      return;
    }
    attempts.delete(item.clientMsgId);
    busyRooms.delete(item.roomId);
    patchOutgoing(item.clientMsgId, { status: 'failed', error: describeError(error), errorCode: error.code });
    ctx.toast('error', `Message not sent: ${describeError(error)}`);
    pump();
  }

  return {
    receive,
    takeEarly,
    markRead,

    send(roomId: string, body: string, attachments?: FileInfo[], replyTo?: string): void {
      const item: Outgoing = {
        clientMsgId: newUuid(),
        roomId,
        body,
        ...(replyTo === undefined ? {} : { replyTo }),
        ...(attachments?.length ? { attachments } : {}),
        createdAt: new Date().toISOString(),
        status: 'pending',
      };
      setOutbox((o) => enqueue(o, item));
      pump();
    },

    retry(clientMsgId: string): void {
      setOutbox((o) => requeue(o, clientMsgId));
      pump();
    },

    discard(clientMsgId: string): void {
      setOutbox((o) => o.filter((item) => item.clientMsgId !== clientMsgId));
    },

    /**
     * After a (re)start or a reconnect: pending messages (from before a reload too) go out again
     * with their own clientMsgId, in the order written, without waiting out a retry delay.
     */
    flushOutbox(): void {
      const { rooms } = store.get();
      setOutbox((outbox) =>
        outbox.map((item) => {
          if (!rooms[item.roomId])
            return item.status === 'pending' ? { ...item, status: 'failed', error: 'Not in this room' } : item;
          // Stored by an older version: failed only because the server was unreachable.
          return item.errorCode === 'UNAVAILABLE'
            ? { ...item, status: 'pending', error: undefined, errorCode: undefined }
            : item;
        }),
      );
      for (const [roomId, timer] of waiting) {
        clearTimeout(timer);
        busyRooms.delete(roomId);
      }
      waiting.clear();
      pump();
    },

    async loadOlder(roomId: string): Promise<void> {
      const view = store.get().rooms[roomId];
      const client = ctx.client;
      if (!view || !client || view.loadingOlder || !view.hasMore) return;
      const oldest = view.messages[0]?.seq;
      ctx.updateRoom(roomId, (v) => ({ ...v, loadingOlder: true }));
      const result = await client.request('room:history', {
        roomId,
        ...(oldest === undefined ? {} : { beforeSeq: oldest }),
        limit: OLDER_PAGE,
      });
      if (!result.ok) {
        ctx.updateRoom(roomId, (v) => ({ ...v, loadingOlder: false }));
        ctx.toast('error', `Could not load older messages: ${describeError(result.error)}`);
        return;
      }
      ctx.updateRoom(roomId, (v) => ({
        ...v,
        loadingOlder: false,
        hasMore: result.hasMore,
        messages: mergeMessages(v.messages, result.messages),
      }));
    },
  };
}
