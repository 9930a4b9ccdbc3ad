import type { PresenceStatus, ServerEventPayloads, User } from '@parley/protocol';
import type { ParleyClient } from '@parley/sdk';
import type { AppState, BuddyEntry, Buddies } from './app-state.js';
import { describeError, type Ctx } from './context.js';

export type BuddyActions = ReturnType<typeof createBuddyActions>;

const sameUser = (a: User) => (b: User) => a.id === b.id;
const byName = (a: BuddyEntry, b: BuddyEntry) => a.user.username.localeCompare(b.user.username);

function setBuddies(s: AppState, update: (b: Buddies) => Buddies): AppState {
  return { ...s, buddies: update(s.buddies) };
}

function buddyErrorText(error: { code: string; message: string; retryAfterMs?: number }, username: string): string {
  if (error.code === 'NOT_FOUND') return `There is no user called ${username}`;
  if (error.code === 'BAD_REQUEST' && /yourself|own buddy/i.test(error.message)) return 'That is you';
  return describeError(error);
}

export function createBuddyActions(ctx: Ctx, onOpenDm: (user: User) => void) {
  const { store } = ctx;
  let unsubscribe: (() => void)[] = [];
  /**
   * New buddies whose first presence event only tells us where they stand: no "came online"
   * toast for it. The same after a reload of the list, which may follow a reconnect.
   */
  const quietFirstPresence = new Set<string>();

  async function load(): Promise<void> {
    const result = await ctx.client?.request('buddy:list', {}, { retries: 1 });
    if (!result?.ok) return;
    store.set((s) =>
      setBuddies(s, () => ({
        loaded: true,
        list: [...result.buddies].sort(byName),
        incoming: result.incoming,
        outgoing: result.outgoing,
      })),
    );
  }

  function onRequest({ from }: ServerEventPayloads['buddy:request']): void {
    store.set((s) =>
      setBuddies(s, (b) => (b.incoming.some(sameUser(from)) ? b : { ...b, incoming: [...b.incoming, from] })),
    );
    ctx.toast('info', `${from.username} wants to be your buddy`);
    ctx.notify('Buddy request', `${from.username} wants to be your buddy`, `buddy:${from.id}`);
  }

  function onUpdate({ user, relation }: ServerEventPayloads['buddy:update']): void {
    store.set((s) =>
      setBuddies(s, (b) => {
        const incoming = b.incoming.filter((u) => u.id !== user.id);
        const outgoing = b.outgoing.filter((u) => u.id !== user.id);
        const others = b.list.filter((e) => e.user.id !== user.id);
        const existing = b.list.find((e) => e.user.id === user.id);
        const list =
          relation === 'buddy' ? [...others, existing ?? { user, status: 'offline' as const }].sort(byName) : others;
        return { ...b, incoming, outgoing, list };
      }),
    );
    if (relation === 'buddy') {
      quietFirstPresence.add(user.id);
      ctx.toast('info', `You and ${user.username} are buddies now`);
    }
    if (relation === 'declined') ctx.toast('info', `${user.username} declined your buddy request`);
  }

  function onPresence({ user, status, lastSeenAt }: ServerEventPayloads['presence']): void {
    const before = store.get().buddies.list.find((e) => e.user.id === user.id);
    if (!before) return;
    const entry: BuddyEntry = { user, status, ...(status === 'offline' && lastSeenAt ? { lastSeenAt } : {}) };
    store.set((s) => setBuddies(s, (b) => ({ ...b, list: b.list.map((e) => (e.user.id === user.id ? entry : e)) })));
    if (quietFirstPresence.delete(user.id)) return;
    const wasOnline = before.status !== 'offline';
    const isOnline = status !== 'offline';
    if (wasOnline === isOnline) return; // online ⇄ away is shown by the dot alone
    ctx.toast('info', isOnline ? `${user.username} is online` : `${user.username} went offline`);
  }

  return {
    load,

    start(client: ParleyClient): Promise<void> {
      unsubscribe = [
        client.on('buddy:request', onRequest),
        client.on('buddy:update', onUpdate),
        client.on('presence', onPresence),
      ];
      return load();
    },

    stop(): void {
      for (const off of unsubscribe) off();
      unsubscribe = [];
      quietFirstPresence.clear();
    },

    /** Add-buddy by username; answers the error to show under the field, or undefined. */
    async request(username: string): Promise<string | undefined> {
      const client = ctx.client;
      if (!client) return 'Not connected';
      const { buddies, me } = store.get();
      const lower = username.toLowerCase();
      if (me?.username.toLowerCase() === lower) return 'That is you';
      if (buddies.list.some((e) => e.user.username.toLowerCase() === lower)) return `${username} is already your buddy`;
      const result = await client.request('buddy:request', { username });
      if (!result.ok) return buddyErrorText(result.error, username);
      await load(); // shows the request as waiting, with the name spelled as its owner does
      if (!store.get().buddies.list.some((e) => e.user.username.toLowerCase() === lower)) {
        ctx.toast('info', `Buddy request sent to ${username}`);
      }
      return undefined;
    },

    async respond(user: User, accept: boolean): Promise<void> {
      const result = await ctx.client?.request('buddy:respond', { username: user.username, accept });
      if (!result) return;
      if (!result.ok && result.error.code !== 'NOT_FOUND') {
        ctx.toast('error', `Could not answer ${user.username}: ${describeError(result.error)}`);
        return;
      }
      // Accepting: buddy:update brings them into the list. Declining (or a request already gone): drop it here.
      if (!accept || !result.ok) {
        store.set((s) => setBuddies(s, (b) => ({ ...b, incoming: b.incoming.filter((u) => u.id !== user.id) })));
      }
    },

    async remove(user: User): Promise<void> {
      const result = await ctx.client?.request('buddy:remove', { username: user.username });
      if (result && !result.ok) ctx.toast('error', `Could not remove ${user.username}: ${describeError(result.error)}`);
      else if (result) {
        store.set((s) =>
          setBuddies(s, (b) => ({
            ...b,
            list: b.list.filter((e) => e.user.id !== user.id),
            outgoing: b.outgoing.filter((u) => u.id !== user.id),
          })),
        );
      }
    },

    openDm: onOpenDm,
  };
}

/** A buddy's status by user id, for the member lists (presence is only ever known for buddies). */
export function buddyStatus(buddies: Buddies, userId: string): PresenceStatus | undefined {
  return buddies.list.find((e) => e.user.id === userId)?.status;
}
