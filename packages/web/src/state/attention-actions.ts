import { mentionsUser, type Message, type ReadUpdate, type Settings, type TypingEvent } from '@parley/protocol';
import type { SearchState } from './app-state.js';
import {
  applyDmTyping,
  applyReadUpdate,
  applyTyping,
  countIncoming,
  expireDmTyping,
  expireTyping,
  openedRoom,
  readUpTo,
  withReadState,
} from './attention.js';
import { describeError, type Ctx } from './context.js';
import { mergeMessages } from './messages.js';
import { describePushFailure, disablePush, enablePush, pushStatus } from './push.js';

/** A typing event goes at most this often per conversation (the server allows one a second). */
const TYPING_EVERY_MS = 3000;
/** Pages of history a jump may load to reach an old message (100 each). */
const JUMP_PAGES_MAX = 20;

export type AttentionActions = ReturnType<typeof createAttentionActions>;

/** Read state, typing, search, settings: the actions around the pure functions of attention.ts. */
export function createAttentionActions(ctx: Ctx) {
  const { store } = ctx;
  const lastTypingSent = new Map<string, number>();
  let typingTimer: ReturnType<typeof setInterval> | undefined;

  /** The user reads a room when it is open, the tab visible and the window focused. */
  function isReading(roomId: string): boolean {
    const s = store.get();
    return s.activeRoomId === roomId && !s.activeDm && document.visibilityState === 'visible' && document.hasFocus();
  }

  /** Marks the room read up to its latest loaded message when the user is reading it. */
  function markRead(roomId: string): void {
    const s = store.get();
    const view = s.rooms[roomId];
    if (!view || !s.me || !isReading(roomId)) return;
    const seq = view.messages.at(-1)?.seq ?? 0;
    if (seq <= view.readSeq) return;
    const me = s.me;
    ctx.updateRoom(roomId, (v) => readUpTo(v, seq, me));
    // The server keeps the furthest position; a lost mark is made good by the next one.
    void ctx.client?.request('read:mark', { roomId, seq });
  }

  /** Every new message: the counts, a mention's toast and notification. */
  function received(roomId: string, fresh: Message[]): void {
    const s = store.get();
    const me = s.me;
    const view = s.rooms[roomId];
    if (!me || !view || fresh.length === 0) return;
    ctx.updateRoom(roomId, (v) => countIncoming(v, fresh, me));
    if (isReading(roomId)) {
      markRead(roomId);
      return;
    }
    const mention = fresh.find((m) => m.sender.id !== me.id && mentionsUser(m.body, me.username));
    if (mention) {
      ctx.toast('info', `${mention.sender.username} mentioned you in #${view.room.name}`);
      ctx.notify(`${mention.sender.username} mentioned you`, `in #${view.room.name}`, `mention:${roomId}`, () =>
        open(roomId),
      );
    }
  }

  function open(roomId: string): void {
    store.set((st) => ({ ...st, activeRoomId: roomId, activeDm: undefined }));
    opened(roomId);
  }

  /** A room was opened: the divider goes to the read position, then what is shown counts as read. */
  function opened(roomId: string): void {
    ctx.updateRoom(roomId, (v) => ({ ...openedRoom(v), highlightSeq: undefined }));
    markRead(roomId);
  }

  function onReadUpdate(update: ReadUpdate): void {
    const me = store.get().me;
    if (me) ctx.updateRoom(update.roomId, (v) => applyReadUpdate(v, update, me));
  }

  function onTyping(event: TypingEvent): void {
    const me = store.get().me;
    if (!me) return;
    const roomId = event.roomId;
    if (roomId === undefined) store.set((s) => ({ ...s, dmTyping: applyDmTyping(s.dmTyping, event, me, Date.now()) }));
    else ctx.updateRoom(roomId, (v) => applyTyping(v, event, me, Date.now()));
    typingTimer ??= setInterval(() => {
      const now = Date.now();
      store.set((s) => {
        let changed = false;
        const rooms = Object.fromEntries(
          Object.entries(s.rooms).map(([id, v]) => {
            const next = expireTyping(v, now);
            changed ||= next !== v;
            return [id, next];
          }),
        );
        const dmTyping = expireDmTyping(s.dmTyping, now);
        return changed || dmTyping !== s.dmTyping ? { ...s, rooms, dmTyping } : s;
      });
    }, 1000);
  }

  /** Called as the user types in a room's composer, or to a buddy (`{ to }`). */
  function typing(target: string | { to: string }): void {
    const key = typeof target === 'string' ? target : `@${target.to.toLowerCase()}`;
    const now = Date.now();
    if (now - (lastTypingSent.get(key) ?? 0) < TYPING_EVERY_MS) return;
    lastTypingSent.set(key, now);
    // To someone who is not a buddy the server answers FORBIDDEN: nothing to tell the user.
    void ctx.client?.request('typing', typeof target === 'string' ? { roomId: target } : target);
  }

  const setSearch = (update: (search: SearchState) => SearchState) =>
    store.set((s) => (s.search ? { ...s, search: update(s.search) } : s));

  async function search(query: string, roomId: string | undefined, more = false): Promise<void> {
    const client = ctx.client;
    const previous = store.get().search;
    if (!client) return;
    if (!query.trim()) {
      store.set((s) => ({ ...s, search: emptySearch(roomId) }));
      return;
    }
    const cursor = more ? previous?.nextCursor : undefined;
    store.set((s) => ({
      ...s,
      search: { ...(more && s.search ? s.search : emptySearch(roomId)), query, roomId, loading: true },
    }));
    const lastSeq = more && roomId ? previous?.results.at(-1)?.seq : undefined;
    const result = await client.request('message:search', {
      query,
      ...(roomId ? { roomId } : {}),
      ...(lastSeq !== undefined ? { beforeSeq: lastSeq } : {}),
      ...(cursor && !roomId ? { cursor } : {}),
      limit: 20,
    });
    if (store.get().search?.query !== query) return;
    if (!result.ok) {
      setSearch((st) => ({ ...st, loading: false, error: describeError(result.error) }));
      return;
    }
    setSearch((st) => ({
      ...st,
      loading: false,
      error: undefined,
      results: more ? [...st.results, ...result.messages] : result.messages,
      hasMore: result.hasMore,
      nextCursor: result.nextCursor,
    }));
  }

  /**
   * Opens the room at one message: loads history back to it (a page at a time, bounded), then
   * the list scrolls to it and highlights it.
   */
  async function jumpTo(roomId: string, seq: number): Promise<void> {
    const client = ctx.client;
    if (!client || !store.get().rooms[roomId]) return;
    open(roomId);
    for (let page = 0; page < JUMP_PAGES_MAX; page += 1) {
      const view = store.get().rooms[roomId];
      const oldest = view?.messages[0]?.seq;
      if (!view || oldest === undefined || oldest <= seq || !view.hasMore) break;
      const result = await client.request('room:history', { roomId, beforeSeq: oldest, limit: 100 });
      if (!result.ok) {
        ctx.toast('error', `Could not load the message: ${describeError(result.error)}`);
        return;
      }
      ctx.updateRoom(roomId, (v) => ({
        ...v,
        hasMore: result.hasMore,
        messages: mergeMessages(result.messages, v.messages),
      }));
    }
    ctx.updateRoom(roomId, (v) => ({ ...v, highlightSeq: seq }));
  }

  function applySettings(settings: Settings): void {
    store.set((s) => ({ ...s, settings }));
  }

  /**
   * After a reconnect: a read:update sent while we were away is not sent again, so the counts
   * are asked afresh (one room:list), as the server has them.
   */
  async function refreshCounts(): Promise<void> {
    const result = await ctx.client?.request('room:list', { joined: true, limit: 1 });
    if (!result?.ok) return;
    for (const state of result.readStates ?? []) ctx.updateRoom(state.roomId, (v) => withReadState(v, state));
  }

  return {
    markRead,
    received,
    refreshCounts,
    opened,
    onReadUpdate,
    onTyping,
    typing,
    search,
    jumpTo,
    openSearch: (roomId?: string) => store.set((s) => ({ ...s, search: s.search ?? emptySearch(roomId) })),
    closeSearch: () => store.set((s) => ({ ...s, search: undefined })),
    clearHighlight: (roomId: string) => ctx.updateRoom(roomId, (v) => ({ ...v, highlightSeq: undefined })),

    async loadSettings(): Promise<void> {
      const result = await ctx.client?.request('settings:get', {});
      if (result?.ok) applySettings(result.settings);
    },
    onSettings: (event: { settings: Settings }) => applySettings(event.settings),
    async setSendReadReceipts(on: boolean): Promise<void> {
      const before = store.get().settings;
      // Shown at once; put back if the server refuses.
      applySettings({ ...before, sendReadReceipts: on });
      const result = await ctx.client?.request('settings:update', { sendReadReceipts: on });
      if (result?.ok) applySettings(result.settings);
      else {
        applySettings(before);
        if (result) ctx.toast('error', `Could not save: ${describeError(result.error)}`);
      }
    },
    async loadPush(): Promise<void> {
      const push = await pushStatus().catch(() => 'unsupported' as const);
      store.set((s) => ({ ...s, push }));
    },
    /** Call from a click. Answers what to tell the user when it failed (the switch shows it). */
    async setPush(on: boolean): Promise<string | undefined> {
      try {
        await (on ? enablePush(ctx.baseUrl) : disablePush(ctx.baseUrl));
        store.set((s) => ({ ...s, push: on ? 'on' : 'off' }));
        return undefined;
      } catch (error) {
        return describePushFailure(error, typeof Notification === 'undefined' ? undefined : Notification.permission);
      }
    },
    stop(): void {
      clearInterval(typingTimer);
      typingTimer = undefined;
      lastTypingSent.clear();
    },
  };
}

export function emptySearch(roomId: string | undefined): SearchState {
  return { query: '', roomId, results: [], hasMore: false, nextCursor: undefined, loading: false, error: undefined };
}
