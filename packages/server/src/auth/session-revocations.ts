import type { Logger } from '../log.js';

export interface RevocationWatch {
  stop(): void;
}

/**
 * Disconnects this instance's sockets whose session no longer exists. A session ended here
 * (sign-out, DELETE /api/sessions/:id) is disconnected at once through the adapter; one ended
 * by another process (the admin command's reset-password or disable, an instance without
 * Redis) is found by this check within one interval, on every instance, Redis or not.
 */
export function watchRevokedSessions(deps: {
  intervalMs: number;
  /** The token hashes of the sessions this instance holds sockets for. */
  localSessions(): string[];
  liveSessions(tokenHashes: string[]): Promise<Set<string>>;
  disconnectLocal(tokenHash: string): void;
  log: Logger;
}): RevocationWatch {
  let running = false;
  const check = async () => {
    if (running) return;
    running = true;
    try {
      const held = deps.localSessions();
      if (held.length === 0) return;
      const live = await deps.liveSessions(held);
      const ended = held.filter((hash) => !live.has(hash));
      for (const hash of ended) deps.disconnectLocal(hash);
      if (ended.length > 0) deps.log.info({ sessions: ended.length }, 'ended sessions disconnected');
    } catch {
      // The database is down: the outage log says so; the next round tries again.
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void check(), deps.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
