import type { Logger } from '../log.js';
import type { AuthService } from './auth.service.js';

/** The sweeper looks again at least this often (new sessions, other instances' changes). */
const MAX_WAIT_MS = 3600_000;
/** Never sooner than this after the last sweep, so that a clock oddity cannot make it spin. */
const MIN_WAIT_MS = 100;

export interface SessionSweeper {
  stop(): void;
}

/**
 * Deletes each session when it expires and disconnects its sockets then, not at the next
 * hourly round: it sleeps until the earliest expiry in the database (at most an hour), and
 * every session it deletes is disconnected on every instance (through the adapter).
 */
export function startSessionSweeper(deps: {
  auth: Pick<AuthService, 'sweepExpiredSessions' | 'nextSessionExpiry'>;
  disconnectSession(tokenHash: string): void;
  log: Logger;
}): SessionSweeper {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function sweep(): Promise<number> {
    try {
      const expired = await deps.auth.sweepExpiredSessions();
      for (const tokenHash of expired) deps.disconnectSession(tokenHash);
      if (expired.length > 0) deps.log.info({ sessions: expired.length }, 'expired sessions deleted and disconnected');
      const next = await deps.auth.nextSessionExpiry();
      // A few milliseconds past the expiry, so that the session is expired when the sweep looks.
      return next ? next.getTime() - Date.now() + 5 : MAX_WAIT_MS;
    } catch (err) {
      deps.log.warn({ err }, 'expired session sweep failed');
      return MAX_WAIT_MS / 60;
    }
  }

  function schedule(waitMs: number): void {
    if (stopped) return;
    const wait = Math.min(MAX_WAIT_MS, Math.max(MIN_WAIT_MS, waitMs));
    timer = setTimeout(() => void sweep().then(schedule), wait).unref();
  }

  void sweep().then(schedule);
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
