import type { Ctx } from './context.js';

/** No key or pointer activity this long makes this tab away… */
const IDLE_MS = 5 * 60_000;
/** …and so does being hidden this long (another tab, a minimised window). */
const HIDDEN_MS = 2 * 60_000;
const CHECK_MS = 15_000;
/** Pointer moves come in floods: note at most one per this many ms. */
const ACTIVITY_THROTTLE_MS = 1000;

/**
 * Tells the server whether this connection is away. The server shows a user away only when
 * every open connection says so, so each tab reports for itself.
 */
export function createAwayTracker(ctx: Ctx) {
  let lastActivity = Date.now();
  let hiddenSince: number | undefined = document.hidden ? Date.now() : undefined;
  let reported: 'online' | 'away' = 'online';
  let timer: ReturnType<typeof setInterval> | undefined;

  function evaluate(): void {
    const now = Date.now();
    const away = now - lastActivity >= IDLE_MS || (hiddenSince !== undefined && now - hiddenSince >= HIDDEN_MS);
    const status = away ? 'away' : 'online';
    if (status === reported) return;
    reported = status;
    void ctx.client?.request('presence:set', { status });
  }

  const onActivity = () => {
    const now = Date.now();
    if (now - lastActivity < ACTIVITY_THROTTLE_MS) return;
    lastActivity = now;
    if (reported === 'away') evaluate();
  };
  const onVisibility = () => {
    hiddenSince = document.hidden ? Date.now() : undefined;
    if (!document.hidden) onActivity();
    evaluate();
  };
  const events = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart'] as const;

  return {
    start(): void {
      lastActivity = Date.now();
      reported = 'online';
      for (const name of events) window.addEventListener(name, onActivity, { passive: true });
      document.addEventListener('visibilitychange', onVisibility);
      timer = setInterval(evaluate, CHECK_MS);
      evaluate();
    },

    /** A new connection starts out online on the server: say again that we are away, if we are. */
    reconnected(): void {
      if (reported === 'away') void ctx.client?.request('presence:set', { status: 'away' });
    },

    stop(): void {
      for (const name of events) window.removeEventListener(name, onActivity);
      document.removeEventListener('visibilitychange', onVisibility);
      clearInterval(timer);
    },
  };
}
