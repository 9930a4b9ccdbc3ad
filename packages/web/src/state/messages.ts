import type { Message } from '@parley/protocol';

/**
 * Merges messages into a seq-ordered list, each id once. The SDK already delivers live
 * messages exactly once; this also covers the ack of our own send and history pages, which
 * can overlap with what arrived live.
 */
export function mergeMessages(existing: Message[], incoming: Message[]): Message[] {
  if (incoming.length === 0) return existing;
  const seen = new Set(existing.map((m) => m.id));
  const fresh = incoming.filter((m) => !seen.has(m.id) && (seen.add(m.id), true));
  if (fresh.length === 0) return existing;
  const last = existing.at(-1);
  const sortedFresh = [...fresh].sort((a, b) => a.seq - b.seq);
  // The common case, a newer message at the end, stays linear.
  if (!last || (sortedFresh[0] && sortedFresh[0].seq > last.seq)) return [...existing, ...sortedFresh];
  return [...existing, ...sortedFresh].sort((a, b) => a.seq - b.seq);
}

/** Messages that belong to the same visual group: same sender, a few minutes apart. */
export function isContinuation(previous: Message | undefined, message: Message): boolean {
  if (!previous || previous.sender.id !== message.sender.id) return false;
  const gap = Date.parse(message.sentAt) - Date.parse(previous.sentAt);
  return gap >= 0 && gap < 5 * 60_000 && sameDay(previous.sentAt, message.sentAt);
}

export function sameDay(a: string, b: string): boolean {
  return new Date(a).toDateString() === new Date(b).toDateString();
}
