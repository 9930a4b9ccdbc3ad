import type { ErrorBody } from '@parley/protocol';
import type { Outgoing } from './app-state.js';

/**
 * The outbox is one ordered queue per room: messages leave in the order they were written, one
 * at a time, the next only after the server acknowledged the one before (issue 11: each message
 * retried on its own timer, and four written while disconnected were stored 4, 1, 2, 3).
 * The outbox array is kept in the order written (it is persisted as is, so the order survives a
 * reload); these pure functions decide what may go next.
 */

/** A message the queue will still send: pending. A failed one waits for the user (retry or discard). */
export const isQueued = (item: Outgoing): boolean => item.status === 'pending';

/**
 * The head of each room's queue that may be sent now: the first queued message of every room
 * that has none in flight. A failed message does not hold up the ones written after it.
 */
export function nextToSend(outbox: readonly Outgoing[], busyRooms: ReadonlySet<string>): Outgoing[] {
  const heads = new Map<string, Outgoing>();
  for (const item of outbox) {
    if (isQueued(item) && !heads.has(item.roomId)) heads.set(item.roomId, item);
  }
  return [...heads.values()].filter((item) => !busyRooms.has(item.roomId));
}

/** Adds a message at the end of its room's queue (the end of the outbox). */
export const enqueue = (outbox: readonly Outgoing[], item: Outgoing): Outgoing[] => [...outbox, item];

/**
 * Puts a failed message back in the queue, at its end: retrying is writing it again now, so it
 * goes after what the user wrote before pressing "retry".
 */
export function requeue(outbox: readonly Outgoing[], clientMsgId: string): Outgoing[] {
  const item = outbox.find((o) => o.clientMsgId === clientMsgId);
  if (!item) return [...outbox];
  const rest = outbox.filter((o) => o.clientMsgId !== clientMsgId);
  return [...rest, { ...item, status: 'pending', error: undefined, errorCode: undefined }];
}

/** Whether a refusal means "the same message later" (it stays at the head) rather than "not this message". */
export const isTransient = (error: ErrorBody): boolean => error.code === 'UNAVAILABLE' || error.code === 'RATE_LIMITED';

const MAX_RETRY_MS = 10_000;

/** How long the head waits before it is sent again: the server's retryAfterMs, else doubling from 1 s. */
export function retryDelayMs(error: ErrorBody, attempt: number): number {
  if (error.retryAfterMs !== undefined) return Math.min(error.retryAfterMs, 60_000);
  return Math.min(MAX_RETRY_MS, 1000 * 2 ** Math.min(attempt, 10));
}
