import { describe, expect, it } from 'vitest';
import type { Outgoing } from './app-state.js';
import { enqueue, isTransient, nextToSend, requeue, retryDelayMs } from './outbox.js';

const item = (clientMsgId: string, roomId = 'r1', over: Partial<Outgoing> = {}): Outgoing => ({
  clientMsgId,
  roomId,
  body: clientMsgId,
  createdAt: '2026-01-01T00:00:00.000Z',
  status: 'pending',
  ...over,
});

const ids = (items: Outgoing[]) => items.map((o) => o.clientMsgId);

describe("a room's outbox", () => {
  it('sends only the first message written in each room, and nothing of a room with one in flight', () => {
    const outbox = [item('a1'), item('b1', 'r2'), item('a2'), item('a3'), item('b2', 'r2')];
    expect(ids(nextToSend(outbox, new Set()))).toEqual(['a1', 'b1']);
    expect(ids(nextToSend(outbox, new Set(['r1'])))).toEqual(['b1']);
    expect(ids(nextToSend(outbox, new Set(['r1', 'r2'])))).toEqual([]);
  });

  it('sends the next one once the head is acknowledged (removed), in the order written', () => {
    let outbox = [item('m1'), item('m2'), item('m3'), item('m4')];
    const sent: string[] = [];
    for (;;) {
      const [head] = nextToSend(outbox, new Set());
      if (!head) break;
      sent.push(head.clientMsgId);
      outbox = outbox.filter((o) => o !== head);
    }
    expect(sent).toEqual(['m1', 'm2', 'm3', 'm4']);
  });

  it('lets the messages after a failed one go, and queues a retried one after them', () => {
    const outbox = [item('m1', 'r1', { status: 'failed', errorCode: 'TOO_LARGE' }), item('m2'), item('m3')];
    expect(ids(nextToSend(outbox, new Set()))).toEqual(['m2']);
    const retried = requeue(outbox, 'm1');
    expect(ids(retried)).toEqual(['m2', 'm3', 'm1']);
    expect(retried.at(-1)).toMatchObject({ status: 'pending', error: undefined, errorCode: undefined });
    expect(ids(requeue(outbox, 'unknown'))).toEqual(['m1', 'm2', 'm3']);
  });

  it('adds a new message at the end of the queue', () => {
    expect(ids(enqueue([item('m1')], item('m2')))).toEqual(['m1', 'm2']);
  });

  it('keeps the head for an outage or a rate limit, waiting as long as the server asks', () => {
    expect(isTransient({ code: 'UNAVAILABLE', message: '' })).toBe(true);
    expect(isTransient({ code: 'RATE_LIMITED', message: '', retryAfterMs: 300 })).toBe(true);
    for (const code of ['FORBIDDEN', 'TOO_LARGE', 'BAD_REQUEST', 'NOT_FOUND', 'INTERNAL'] as const) {
      expect(isTransient({ code, message: '' })).toBe(false);
    }
    expect(retryDelayMs({ code: 'RATE_LIMITED', message: '', retryAfterMs: 300 }, 5)).toBe(300);
    expect([0, 1, 2, 3, 4, 8].map((n) => retryDelayMs({ code: 'UNAVAILABLE', message: '' }, n))).toEqual([
      1000, 2000, 4000, 8000, 10_000, 10_000,
    ]);
  });
});
