import type { User } from '@parley/protocol';
import { refusalText } from '../auth/refusal-text.js';
import { login, logout, me as fetchMe, ParleyClient, ParleyError, register, type ConnectionStatus } from '@parley/sdk';
import { initialState, type AppState } from './app-state.js';
import { createAttentionActions } from './attention-actions.js';
import { createCallActions } from '../calls/call-actions.js';
import { createAwayTracker } from './away.js';
import { createBuddyActions } from './buddies-actions.js';
import { createChatActions } from './chat-actions.js';
import { createMessageActions } from './message-actions.js';
import { createCtx, type Ctx } from './context.js';
import { createDmActions } from './dms-actions.js';
import { createNotifier } from './notify.js';
import { persist } from './persist.js';
import { createRoomActions } from './rooms-actions.js';
import { createNavigation } from './navigation.js';
import { createRoomAdminActions } from './room-admin-actions.js';
import { createStore, type Store } from './store.js';

const BACK_BANNER_MS = 4000;

export type Controller = ReturnType<typeof createController>;

/** The whole app's behaviour, behind the store the screens render from. */
export function createController(options: { baseUrl: string; transports: Ctx['transports'] }) {
  const store: Store<AppState> = createStore(initialState);
  const notifier = createNotifier(store);
  const ctx = createCtx(store, options.baseUrl, options.transports, notifier.notify);
  const attention = createAttentionActions(ctx);
  const chat = createChatActions(ctx, attention);
  const changes = createMessageActions(ctx);
  const rooms = createRoomActions(ctx, chat, attention);
  const dms = createDmActions(ctx);
  const buddies = createBuddyActions(ctx, dms.open);
  const away = createAwayTracker(ctx);
  // Issue 15: moderation, invitations and the URL of every room and private chat.
  const roomAdmin = createRoomAdminActions(ctx);
  const navigation = createNavigation(ctx, {
    openRoom: (id) => rooms.openOrJoin(id),
    openDm: (peer) => dms.open(peer),
    jumpTo: (roomId, seq) => attention.jumpTo(roomId, seq),
  });
  const calls = createCallActions({
    baseUrl: options.baseUrl,
    client: () => ctx.client,
    me: () => store.get().me,
    keys: dms.keys,
    toast: (kind, text) => ctx.toast(kind, text),
    notify: (...args) => ctx.notify(...args),
  });
  let backTimer: ReturnType<typeof setTimeout> | undefined;
  let session = 0;

  const setConnection = (connection: AppState['connection']) =>
    store.set((s) => (s.connection === connection ? s : { ...s, connection }));

  function endSession(notice?: string): void {
    session += 1;
    calls.stop();
    dms.stop();
    buddies.stop();
    navigation.stop();
    away.stop();
    attention.stop();
    ctx.client?.close();
    ctx.client = undefined;
    clearTimeout(backTimer);
    // Off-the-record conversations go with the session: initialState has none.
    store.set((s) => ({ ...initialState, phase: 'signed-out', toasts: s.toasts, notifications: s.notifications }));
    if (notice) ctx.toast('info', notice);
  }

  /**
   * The connection ended for good ('closed'): the server disconnected it or refused it with a
   * final answer. Either the session was revoked (signed out elsewhere) or something passing
   * went wrong; only /api/me tells them apart. (Refusals that say retry the SDK retries itself.)
   */
  async function recover(client: ParleyClient, mySession: number): Promise<void> {
    setConnection('lost');
    try {
      await fetchMe(options.baseUrl);
    } catch (error) {
      if (mySession !== session) return;
      if (error instanceof ParleyError && error.code === 'UNAUTHORIZED') {
        endSession('Your session ended. Please sign in again.');
        return;
      }
      // Unreachable: the server is restarting. Socket.IO keeps trying once connect() is called.
    }
    if (mySession === session && !client.connected) client.socket.connect();
  }

  function onStatus(client: ParleyClient, mySession: number, status: ConnectionStatus): void {
    if (mySession !== session) return;
    if (status === 'reconnecting') setConnection('lost');
    if (status === 'closed') void recover(client, mySession);
    if (status === 'connected' && store.get().connection === 'lost') {
      setConnection('back');
      clearTimeout(backTimer);
      backTimer = setTimeout(() => setConnection('online'), BACK_BANNER_MS);
      chat.flushOutbox();
      // A new connection: publish the key again (idempotent), refresh buddies' presence, restate away.
      void dms.publishKey();
      void buddies.load();
      void attention.refreshCounts();
      void roomAdmin.loadInvitations();
      away.reconnected();
    }
  }

  async function start(user: User): Promise<void> {
    const mySession = ++session;
    store.set((s) => ({ ...s, phase: 'connecting', me: user, fatal: undefined, outbox: persist.loadOutbox(user.id) }));
    let client: ParleyClient;
    try {
      client = await ParleyClient.connect({ url: options.baseUrl, transports: options.transports, ackTimeoutMs: 5000 });
    } catch (error) {
      if (error instanceof ParleyError && error.code === 'UNAUTHORIZED') endSession();
      else
        store.set((s) => ({
          ...s,
          phase: 'signed-out',
          me: undefined,
          fatal: `Cannot connect to the server: ${error instanceof Error ? error.message : String(error)}.`,
        }));
      return;
    }
    if (mySession !== session) {
      client.close();
      return;
    }
    ctx.client = client;
    client.onMessages((roomId, messages) => chat.receive(roomId, messages));
    client.onMessageChanges((roomId, messages) => changes.apply(roomId, messages));
    client.onStatus((status) => onStatus(client, mySession, status));
    client.on('room:member', (event) =>
      store.get().rooms[event.roomId] ? roomAdmin.onMember(event) : rooms.onMember(event),
    );
    client.on('room:updated', (event) => roomAdmin.onUpdated(event));
    client.on('room:deleted', (event) => roomAdmin.onDeleted(event));
    client.on('room:invited', (event) => roomAdmin.onInvited(event));
    client.on('room:invite:declined', (event) => roomAdmin.onDeclined(event));
    roomAdmin.loadPrefs(user.id);
    client.on('read:update', (event) => attention.onReadUpdate(event));
    client.on('typing', (event) => attention.onTyping(event));
    client.on('settings:update', (event) => attention.onSettings(event));
    void attention.loadSettings();
    void attention.loadPush();
    calls.start(client);
    // Alongside the rooms, not before them: a slow key or buddy answer must not hold up the app.
    // The SDK holds dm:new until the first listener, which dms.start adds once the key pair is loaded.
    const extras = Promise.all([dms.start(client, user.id), buddies.start(client)]);
    await rooms.loadJoined();
    // After the joined rooms: an invitation to a room already joined is not shown.
    void roomAdmin.loadInvitations();
    store.set((s) => ({ ...s, phase: 'ready' }));
    await navigation.start();
    chat.flushOutbox();
    await extras;
    if (mySession === session) away.start();
  }

  const onAttention = () => {
    const { activeRoomId, activeDm } = store.get();
    if (document.visibilityState !== 'visible') return;
    if (activeDm) dms.markRead(activeDm);
    else if (activeRoomId) chat.markRead(activeRoomId);
  };
  document.addEventListener('visibilitychange', onAttention);
  // Read means seen: a visible tab behind another window is not being read until it has focus.
  window.addEventListener('focus', onAttention);

  return {
    store,
    chat,
    changes,
    rooms,
    attention,
    dms,
    buddies,
    roomAdmin,
    navigation,
    calls,
    notifications: { enable: notifier.enable },
    dismissToast: (id: number) => store.set((s) => ({ ...s, toasts: s.toasts.filter((t) => t.id !== id) })),

    /** On page load: the HttpOnly cookie decides whether we are signed in. */
    async boot(): Promise<void> {
      try {
        await start(await fetchMe(options.baseUrl));
      } catch (error) {
        const unreachable = !(error instanceof ParleyError) || error.code !== 'UNAUTHORIZED';
        store.set((s) => ({
          ...s,
          phase: 'signed-out',
          fatal: unreachable ? 'Cannot reach the server. Check your connection.' : undefined,
        }));
      }
    },

    /** Signs in or registers; answers the error to show under the form, or undefined. */
    async authenticate(
      mode: 'login' | 'register',
      username: string,
      password: string,
      inviteCode?: string,
    ): Promise<string | undefined> {
      try {
        const auth =
          mode === 'login'
            ? await login(options.baseUrl, username, password)
            : await register(options.baseUrl, username, password, inviteCode);
        await start(auth.user);
        return undefined;
      } catch (error) {
        if (!(error instanceof ParleyError)) return 'Something went wrong. Please try again.';
        return authErrorText(mode, error);
      }
    },

    async signOut(): Promise<void> {
      const user = store.get().me;
      // This browser's device leaves the list first, while the connection is still open.
      if (user) await dms.signOutDevice(user.id).catch(() => undefined);
      session += 1; // the coming 'closed' status belongs to no live session
      try {
        await logout(options.baseUrl);
      } catch {
        // Already signed out or unreachable: the local session ends either way.
      }
      if (user) persist.forget(user.id);
      endSession('You signed out');
    },
  };
}

function authErrorText(mode: 'login' | 'register', error: ParleyError): string {
  const byReason = refusalText(error.reason);
  if (byReason) return byReason;
  switch (error.code) {
    case 'CONFLICT':
      return 'That username is taken. Choose another one.';
    case 'UNAUTHORIZED':
      return mode === 'login' ? 'Wrong username or password.' : 'Could not create the account.';
    case 'RATE_LIMITED':
      return `Too many attempts. Try again in ${Math.ceil((error.retryAfterMs ?? 60_000) / 60_000)} min.`;
    case 'UNAVAILABLE':
      return 'Cannot reach the server. Check your connection.';
    case 'BAD_REQUEST':
      return `Check the form: ${error.message}`;
    default:
      return 'Something went wrong. Please try again.';
  }
}
