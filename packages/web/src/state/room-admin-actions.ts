import type { AckResult, RequestPayload, RequestResult, RoomInvited, RoomMember, RoomRole } from '@parley/protocol';
import { describeError, type Ctx } from './context.js';
import { persist } from './persist.js';
import {
  addInvitation,
  applyMemberChange,
  applyRoomUpdated,
  dropInvitation,
  memberNotice,
  removeRoom,
  setInvitations,
  type RoomPrefs,
} from './room-admin.js';

export type RoomAdminActions = ReturnType<typeof createRoomAdminActions>;

/** Issue 15: room settings, moderation, invitations and per-room notifications. */
export function createRoomAdminActions(ctx: Ctx) {
  const { store } = ctx;

  async function ask<E extends 'room:update' | 'room:invite' | 'room:kick' | 'room:ban' | 'room:role' | 'room:delete'>(
    event: E,
    payload: RequestPayload<E>,
  ): Promise<AckResult<RequestResult<E>> | undefined> {
    const client = ctx.client;
    if (!client) return undefined;
    return client.request(event, payload);
  }

  /** Answers an error text for the dialog, or undefined when it worked. */
  async function act<E extends 'room:update' | 'room:invite' | 'room:kick' | 'room:ban' | 'room:role' | 'room:delete'>(
    event: E,
    payload: RequestPayload<E>,
    done?: string,
  ): Promise<string | undefined> {
    const result = await ask(event, payload);
    if (!result) return 'Not connected';
    if (!result.ok) {
      const text = result.error.code === 'FORBIDDEN' ? 'You may not do that in this room' : describeError(result.error);
      ctx.toast('error', text);
      return text;
    }
    if (done) ctx.toast('info', done);
    return undefined;
  }

  return {
    onMember(event: RoomMember): void {
      const before = store.get();
      const name = before.rooms[event.roomId]?.room.name ?? 'room';
      store.set((s) => applyMemberChange(s, event));
      const removedMe = event.user.id === before.me?.id && (event.change === 'kicked' || event.change === 'banned');
      // The SDK re-joins tracked rooms after a reconnect: it must stop tracking this one.
      if (removedMe) void ctx.client?.leaveRoom(event.roomId);
      const notice = memberNotice(event, before.me?.id, name);
      if (notice && (event.user.id === before.me?.id || event.roomId === before.activeRoomId)) {
        ctx.toast(event.change === 'kicked' || event.change === 'banned' ? 'error' : 'info', notice);
      }
    },
    onUpdated(event: { room: RequestResult<'room:update'>['room'] }): void {
      store.set((s) => applyRoomUpdated(s, event.room));
    },
    onDeleted({ roomId }: { roomId: string }): void {
      const name = store.get().rooms[roomId]?.room.name;
      store.set((s) => removeRoom(s, roomId));
      void ctx.client?.leaveRoom(roomId);
      if (name) ctx.toast('info', `#${name} was deleted`);
    },
    onInvited(event: RoomInvited): void {
      store.set((s) => addInvitation(s, event));
      ctx.toast('info', `${event.by.username} invited you to #${event.room.name}`);
      ctx.notify('Invitation', `${event.by.username} invited you to #${event.room.name}`, `invite:${event.room.id}`);
    },
    /** At start and after a reconnect: the pending invitations, wherever and whenever they were sent. */
    async loadInvitations(): Promise<void> {
      const result = await ctx.client?.request('room:invitations', {}, { retries: 1 });
      if (result?.ok) store.set((s) => setInvitations(s, result.invitations));
    },
    /** Declined here or on another device of ours (room:invite:declined). */
    onDeclined({ roomId }: { roomId: string }): void {
      store.set((s) => dropInvitation(s, roomId));
    },
    /** Declines on the server, so the invitation leaves every device and does not come back on reload. */
    async declineInvitation(roomId: string): Promise<void> {
      const result = await ctx.client?.request('room:invite:decline', { roomId }, { retries: 1 });
      // NOT_FOUND: already declined, joined, or banned meanwhile; it is not pending either way.
      if (result && !result.ok && result.error.code !== 'NOT_FOUND') {
        ctx.toast('error', `Could not decline: ${describeError(result.error)}`);
        return;
      }
      store.set((s) => dropInvitation(s, roomId));
    },

    update: (payload: RequestPayload<'room:update'>) => act('room:update', payload, 'Room settings saved'),
    invite: (roomId: string, username: string) =>
      act('room:invite', { roomId, username }, `Invitation sent to ${username}`),
    kick: (roomId: string, username: string) => act('room:kick', { roomId, username }),
    ban: (roomId: string, username: string, banned: boolean) =>
      act('room:ban', { roomId, username, banned }, banned ? undefined : `${username} may join again`),
    setRole: (roomId: string, username: string, role: RoomRole) => act('room:role', { roomId, username, role }),
    remove: (roomId: string) => act('room:delete', { roomId }),
    async bans(roomId: string) {
      const result = await ctx.client?.request('room:bans', { roomId });
      return result?.ok ? result.users : [];
    },

    setPrefs(roomId: string, prefs: RoomPrefs): void {
      store.set((s) => ({ ...s, roomPrefs: { ...s.roomPrefs, [roomId]: prefs } }));
      const me = store.get().me;
      if (me) persist.saveRoomPrefs(me.id, store.get().roomPrefs);
    },
    loadPrefs(userId: string): void {
      store.set((s) => ({ ...s, roomPrefs: persist.loadRoomPrefs(userId) }));
    },
  };
}
