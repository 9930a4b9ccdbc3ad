import type { SessionInfo } from '@parley/protocol';

/** The list after a session was ended: that one gone, the rest in the order shown. */
export function withoutSession(sessions: readonly SessionInfo[], id: string): SessionInfo[] {
  return sessions.filter((session) => session.id !== id);
}

/** The current session first, then the most recently seen. */
export function orderSessions(sessions: readonly SessionInfo[]): SessionInfo[] {
  return [...sessions].sort((a, b) =>
    a.current !== b.current ? (a.current ? -1 : 1) : Date.parse(b.lastSeenAt) - Date.parse(a.lastSeenAt),
  );
}

/** A short name for a User-Agent: the browser and the system, enough to recognise a device. */
export function deviceName(userAgent: string): string {
  if (userAgent === '') return 'Unknown device';
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /Firefox\//.test(userAgent)
      ? 'Firefox'
      : /Chrom(e|ium)\//.test(userAgent)
        ? 'Chrome'
        : /Safari\//.test(userAgent)
          ? 'Safari'
          : userAgent.split(/[ /]/)[0] || 'Unknown';
  const system = /Android/.test(userAgent)
    ? 'Android'
    : /iPhone|iPad/.test(userAgent)
      ? 'iOS'
      : /Windows/.test(userAgent)
        ? 'Windows'
        : /Mac OS X/.test(userAgent)
          ? 'macOS'
          : /Linux/.test(userAgent)
            ? 'Linux'
            : undefined;
  return system ? `${browser} on ${system}` : browser;
}
