import type { Logger } from '../log.js';

/**
 * Logs a refusal at warn once per key (an address, an origin) per period: every refusal is
 * counted in the metrics, but a flood of refusals must not become a flood of log lines.
 */
export function createWarnOnce(log: Logger, periodMs = 60_000): (key: string, fields: object, message: string) => void {
  const warnedAt = new Map<string, number>();
  return (key, fields, message) => {
    const now = Date.now();
    if (now - (warnedAt.get(key) ?? 0) < periodMs) return;
    // Bounded: an attacker with many keys only resets the memory of who was warned about.
    if (warnedAt.size >= 10_000) warnedAt.clear();
    warnedAt.set(key, now);
    log.warn(fields, message);
  };
}
