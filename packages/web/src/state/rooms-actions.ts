import type { AckResult, RequestPayload, RequestResult, Room, RoomMember } from '@parley/protocol';
import type { AppState, RoomView } from './app-state.js';
import type { AttentionActions } from './attention-actions.js';
import { emptyAttention, withReadState } from './attention.js';
import type { ChatActions } from './chat-actions.js';
import { describeError, type Ctx } from './context.js';
import { mergeMessages } from './messages.js';
import { persist } from './persist.js';
import { dropInvitation } from './room-admin.js';

type JoinAnswer = AckResult<RequestResult<'room:join'>>;

const byName = (rooms: Record<string, RoomView>) => (a: string, b: string) =>
  (rooms[a]?.room.name ?? '').localeCompare(rooms[b]?.room.name ?? '');

function withRoom(s: AppState, view: RoomView): AppState {
  const rooms = { ...s.rooms, [view.room.id]: view };
  const order = s.roomOrder.includes(view.room.id) ? s.roomOrder : [...s.roomOrder, view.room.id];
  return { ...s, rooms, roomOrder: [...order].sort(byName(rooms)) };
}

export type RoomActions = ReturnType<typeof createRoomActions>;

export function createRoomActions(ctx: Ctx, chat: ChatActions, attention: AttentionActions) {
  const { store } = ctx;

  /** Joins (or re-opens) a room through the SDK, which from then on delivers its messages in order. */
  async function track(roomId: string): Promise<JoinAnswer> {
    const client = ctx.client;
    if (!client) return { ok: false, error: { code: 'UNAVAILABLE', message: 'not connected' } };
    const result = await client.joinRoom(roomId);
    if (!result.ok) return result;
    const early = chat.takeEarly(roomId);
    const messages = mergeMessages(result.messages, early);
    // Read position and counts come from the server: every device shows the same.
    const previous = store.get().rooms[roomId];
    const base: RoomView = {
      ...emptyAttention,
      ...(previous ? { receipts: previous.receipts, typing: previous.typing, dividerSeq: previous.dividerSeq } : {}),
      room: result.room,
      members: result.members,
      messages,
      hasMore: result.hasMore ?? false,
      loadingOlder: false,
    };
    store.set((s) => withRoom(s, withReadState(base, result.readState, result.receipts)));
    const known = new Set(result.messages.map((m) => m.id));
    const late = early.filter((m) => !known.has(m.id));
    if (late.length > 0) attention.received(roomId, late);
    if (store.get().activeRoomId === roomId) attention.opened(roomId);
    return result;
  }

  function open(roomId: string | undefined): void {
    store.set((s) =>
      s.activeRoomId === roomId && !s.activeDm && !s.blocked
        ? s
        : { ...s, activeRoomId: roomId, activeDm: undefined, blocked: undefined },
    );
    const me = store.get().me;
    if (me) persist.saveActiveRoom(me.id, roomId);
    if (roomId) attention.opened(roomId);
  }

  /** One page of the room directory, as the browse dialog asks for it. */
  async function listRooms(
    request: RequestPayload<'room:list'>,
  ): Promise<AckResult<RequestResult<'room:list'>> | undefined> {
    return ctx.client?.request('room:list', request);
  }

  return {
    open,
    listRooms,

    /** At session start: every room the user is a member of, then the one they had open. */
    async loadJoined(): Promise<void> {
      // Only the ids are needed (joinedRoomIds is always whole): each room:join brings its room.
      const result = await listRooms({ joined: true, limit: 1 });
      if (!result?.ok) {
        if (result) ctx.toast('error', `Could not list rooms: ${describeError(result.error)}`);
        return;
      }
      const answers = await Promise.all(result.joinedRoomIds.map((id) => track(id)));
      for (const answer of answers) if (!answer.ok) ctx.toast('error', describeError(answer.error));
      const { me, roomOrder } = store.get();
      const remembered = me ? persist.loadActiveRoom(me.id) : undefined;
      open(remembered && roomOrder.includes(remembered) ? remembered : roomOrder[0]);
    },

    /** Joins a room from the browser; answers an error text for the dialog, or undefined. */
    async join(room: Room): Promise<string | undefined> {
      const result = await track(room.id);
      if (!result.ok) {
        const text = describeError(result.error);
        ctx.toast('error', result.error.code === 'ROOM_FULL' ? `Room is full: #${room.name}` : text);
        return text;
      }
      open(room.id);
      ctx.toast('info', `You joined #${result.room.name}`);
      return undefined;
    },

    /** Issue 15: a link (or an invitation) names a room: open it, joining first; the refusal's code if refused. */
    async openOrJoin(roomId: string): Promise<string | undefined> {
      if (!store.get().rooms[roomId]) {
        const result = await track(roomId);
        if (!result.ok) return result.error.code;
        store.set((s) => dropInvitation(s, roomId));
      }
      open(roomId);
      return undefined;
    },

    async create(input: {
      name: string;
      topic: string;
      capacity: number | undefined;
      visibility?: 'public' | 'private';
    }): Promise<string | undefined> {
      const client = ctx.client;
      if (!client) return 'Not connected';
      const result = await client.request('room:create', {
        ...(input.visibility === 'private' ? { visibility: 'private' as const } : {}),
        name: input.name,
        ...(input.topic ? { topic: input.topic } : {}),
        ...(input.capacity === undefined ? {} : { capacity: input.capacity }),
      });
      if (!result.ok) return describeError(result.error);
      const joined = await track(result.room.id);
      if (!joined.ok) return describeError(joined.error);
      open(result.room.id);
      ctx.toast('info', `Created #${result.room.name}`);
      return undefined;
    },

    async leave(roomId: string): Promise<void> {
      const client = ctx.client;
      const view = store.get().rooms[roomId];
      if (!client || !view) return;
      const result = await client.leaveRoom(roomId);
      if (!result.ok) {
        ctx.toast('error', `Could not leave: ${describeError(result.error)}`);
        return;
      }
      store.set((s) => {
        const { [roomId]: _left, ...rooms } = s.rooms;
        const roomOrder = s.roomOrder.filter((id) => id !== roomId);
        const outbox = s.outbox.filter((o) => o.roomId !== roomId);
        return { ...s, rooms, roomOrder, outbox };
      });
      const me = store.get().me;
      if (me) persist.saveOutbox(me.id, store.get().outbox);
      const next = store.get().roomOrder[0];
      open(store.get().activeRoomId === roomId ? next : store.get().activeRoomId);
      ctx.toast('info', `You left #${view.room.name}`);
    },

    onMember({ roomId, user, change, role }: RoomMember): void {
      const s = store.get();
      const view = s.rooms[roomId];
      if (!view) {
        // We joined in another tab: this one follows, quietly.
        if (user.id === s.me?.id && change === 'joined') void track(roomId);
        return;
      }
      const others = view.members.filter((m) => m.id !== user.id);
      const members = change === 'joined' ? [...others, { ...user, role: role ?? ('member' as const) }] : others;
      ctx.updateRoom(roomId, (v) => ({ ...v, members, room: { ...v.room, memberCount: members.length } }));
      if (user.id !== s.me?.id && roomId === s.activeRoomId) {
        ctx.toast('info', `${user.username} ${change === 'joined' ? 'joined' : 'left'} #${view.room.name}`);
      }
    },
  };
}
