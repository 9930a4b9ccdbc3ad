import type { PresenceStatus } from '@parley/protocol';

const words: Record<PresenceStatus, string> = { online: 'Online', away: 'Away', offline: 'Offline' };

/**
 * A status dot. Colour is never the only sign: the dot has a title, and the lists beside it
 * say the status in text for screen readers (and "away"/"last seen" for everyone).
 */
export function PresenceDot({ status, inline = false }: { status: PresenceStatus; inline?: boolean }) {
  return (
    <span
      className={`presence-dot presence-${status}${inline ? ' presence-inline' : ''}`}
      title={words[status]}
      data-status={status}
      aria-hidden="true"
    />
  );
}

export const statusWord = (status: PresenceStatus) => words[status];

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const date = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

/** "last seen 5 min ago", "…today at 09:12", "…Nov 3": exact enough, and short enough for a sidebar. */
export function formatLastSeen(iso: string, now = Date.now()): string {
  const then = Date.parse(iso);
  const minutes = Math.floor((now - then) / 60_000);
  if (minutes < 1) return 'last seen just now';
  if (minutes < 60) return `last seen ${minutes} min ago`;
  if (new Date(then).toDateString() === new Date(now).toDateString()) return `last seen today at ${clock.format(then)}`;
  return `last seen ${date.format(then)}`;
}
