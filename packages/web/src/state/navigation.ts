import type { User } from '@parley/protocol';
import type { AppState } from './app-state.js';
import type { Ctx } from './context.js';
import { updateThread } from './dm-threads.js';
import { formatRoute, parseRoute, routeOf, samePlace, type Route } from './route.js';

/** Where the app should be, as a URL: an open private chat, a refused room link, or the open room. */
export function wantedRoute(s: AppState): Route {
  if (s.activeDm) return { kind: 'dm', username: s.activeDm };
  if (s.blocked) return { kind: 'room', roomId: s.blocked.roomId };
  return routeOf(s);
}

/** Words for a room link the server refused. */
export function blockedReason(code: string): string {
  if (code === 'FORBIDDEN')
    return 'This room is private, or you are banned from it. Ask a moderator for an invitation.';
  if (code === 'NOT_FOUND') return 'This room does not exist (any more).';
  if (code === 'ROOM_FULL') return 'This room is full.';
  return 'This room cannot be opened right now.';
}

/**
 * Who a username is, from what the page knows (the conversation, buddies, members of joined
 * rooms); id '' when nobody is known yet (a reload at /dm/:username before the buddies load).
 */
export function peerFor(s: AppState, username: string): User {
  const candidates = [
    s.dms[username]?.peer,
    s.buddies.list.find((b) => b.user.username.toLowerCase() === username)?.user,
    Object.values(s.rooms)
      .flatMap((v) => v.members)
      .find((m) => m.username.toLowerCase() === username),
  ];
  const known = candidates.find((u) => u !== undefined && u.id !== '');
  return known ? { id: known.id, username: known.username } : { id: '', username };
}

/**
 * The open conversation's contact, once known: a chat opened from its URL before the buddies
 * and rooms loaded has id '' (presence and calls match people by id), filled in here.
 */
export function withKnownPeer(s: AppState): AppState {
  const key = s.activeDm;
  const thread = key ? s.dms[key] : undefined;
  if (!key || !thread || thread.peer.id !== '') return s;
  const known = peerFor(s, key);
  return known.id === '' ? s : updateThread(s, key, (t) => ({ ...t, peer: known }));
}

export interface NavigationDeps {
  /** Opens a joined room; joins it first when it is not; answers the refusal's code, if any. */
  openRoom(roomId: string): Promise<string | undefined>;
  openDm(peer: User): void;
  /** Loads the room's history back to `seq` (a page at a time) and marks that message. */
  jumpTo(roomId: string, seq: number): Promise<void>;
}

/**
 * The browser's history follows the app (issue 15): opening a room or a private chat pushes its
 * URL; Back and Forward (popstate) open what the URL names; a reload starts from the URL.
 */
export function createNavigation(ctx: Ctx, deps: NavigationDeps) {
  const { store } = ctx;
  let applying = false;
  let started = false;
  let navigations = 0;

  /** A permalink: history back to the message, then the list scrolls to it and marks it; a gone one is said. */
  async function showMessage(roomId: string, seq: number): Promise<void> {
    await deps.jumpTo(roomId, seq);
    const view = store.get().rooms[roomId];
    const message = view?.messages.find((m) => m.seq === seq);
    if (!view) return;
    const oldest = view.messages[0]?.seq;
    if (!message && view.hasMore && oldest !== undefined && seq < oldest) {
      ctx.toast('error', `That message is too far back in #${view.room.name} to show`);
    } else if (!message) ctx.toast('error', `That message does not exist in #${view.room.name}`);
    else if (message.deletedAt) ctx.toast('error', `That message in #${view.room.name} was deleted`);
  }

  async function go(route: Route): Promise<void> {
    // A later navigation (Back again, another link) supersedes this one while it waits.
    const mine = ++navigations;
    applying = true;
    try {
      if (route.kind === 'room') {
        const code = await deps.openRoom(route.roomId);
        if (mine !== navigations) return;
        store.set((s) => ({
          ...s,
          activeDm: undefined,
          blocked: code ? { roomId: route.roomId, reason: blockedReason(code) } : undefined,
        }));
        if (!code && route.seq !== undefined) await showMessage(route.roomId, route.seq);
      } else if (route.kind === 'dm') {
        deps.openDm(peerFor(store.get(), route.username));
      } else {
        store.set((s) => ({ ...s, activeDm: undefined, blocked: undefined }));
      }
    } finally {
      if (mine === navigations) applying = false;
    }
    if (mine === navigations) sync(true);
  }

  function sync(replace = false): void {
    if (!started || applying) return;
    const s = store.get();
    if (s.phase !== 'ready') return;
    const want = wantedRoute(s);
    const here = parseRoute(location.pathname);
    if (samePlace(here, want) && (want.kind !== 'home' || location.pathname === '/')) return;
    if (replace) history.replaceState(null, '', formatRoute(want));
    else history.pushState(null, '', formatRoute(want));
  }

  window.addEventListener('popstate', () => {
    if (started) void go(parseRoute(location.pathname));
  });
  store.subscribe(() => {
    sync();
    const s = store.get();
    if (withKnownPeer(s) !== s) store.set(withKnownPeer);
  });
  // A message's permalink clicked in the app moves there without reloading the page.
  document.addEventListener('click', (event) => {
    const link = event.target instanceof Element ? event.target.closest('a.permalink') : null;
    const href = link?.getAttribute('href');
    if (!href || !started || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    history.pushState(null, '', href);
    void go(parseRoute(location.pathname));
  });

  return {
    /** After the joined rooms are loaded: the URL, when it names a place, wins over the remembered room. */
    async start(): Promise<void> {
      started = true;
      const route = parseRoute(location.pathname);
      if (route.kind === 'home') sync(true);
      else await go(route);
    },
    stop(): void {
      started = false;
    },
    /** A permalink clicked inside the app. */
    go: (route: Route) => go(route),
  };
}
