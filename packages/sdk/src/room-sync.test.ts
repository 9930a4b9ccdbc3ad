import { describe, expect, it } from 'vitest';
import type { Message } from '@parley/protocol';
import { createRoomSync } from './room-sync.js';

const msg = (seq: number): Message => ({
  id: `m${seq}`,
  roomId: 'r',
  seq,
  clientMsgId: `c${seq}`,
  sender: { id: 'u', username: 'alice' },
  body: `body ${seq}`,
  sentAt: new Date(0).toISOString(),
  version: seq,
  reactions: [],
});
const seqs = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('room sync', () => {
  it('delivers in order, drops duplicates, and fills a gap before releasing later messages', async () => {
    const delivered: number[] = [];
    const fetches: number[] = [];
    const sync = createRoomSync(
      2,
      (since) => {
        fetches.push(since);
        return Promise.resolve({ messages: seqs(since + 1, 6).map(msg), hasMore: false });
      },
      (ms) => delivered.push(...ms.map((m) => m.seq)),
    );
    sync.receive([msg(2), msg(3)]);
    sync.receive([msg(6), msg(5)]);
    sync.receive([msg(7)]);
    await sync.resync();
    expect(fetches).toEqual([3]);
    expect(delivered).toEqual([3, 4, 5, 6, 7]);
    sync.receive([msg(4), msg(7)]);
    expect(delivered).toEqual([3, 4, 5, 6, 7]);
  });

  it('pages a catch-up until hasMore is false', async () => {
    const delivered: number[] = [];
    const sync = createRoomSync(
      0,
      (since) =>
        Promise.resolve({ messages: seqs(since + 1, Math.min(since + 3, 7)).map(msg), hasMore: since + 3 < 7 }),
      (ms) => delivered.push(...ms.map((m) => m.seq)),
    );
    await sync.resync();
    expect(delivered).toEqual(seqs(1, 7));
    expect(sync.lastSeq).toBe(7);
  });

  it('keeps waiting messages through a failed fetch and retries', async () => {
    const delivered: number[] = [];
    let calls = 0;
    const sync = createRoomSync(
      0,
      (since) => {
        calls += 1;
        if (calls === 1) return Promise.reject(new Error('offline'));
        return Promise.resolve({ messages: seqs(since + 1, 2).map(msg), hasMore: false });
      },
      (ms) => delivered.push(...ms.map((m) => m.seq)),
    );
    sync.receive([msg(3)]);
    await new Promise((r) => setTimeout(r, 1300));
    expect(calls).toBe(2);
    expect(delivered).toEqual([1, 2, 3]);
    sync.stop();
  });

  it('keeps both counters, applies changes to delivered messages, and holds changes to later ones until they arrive', async () => {
    const delivered: Message[] = [];
    const changes: Message[] = [];
    const asked: [number, number][] = [];
    const sync = createRoomSync(
      2,
      (sinceSeq, sinceVersion) => {
        asked.push([sinceSeq, sinceVersion]);
        return Promise.resolve({
          messages: [msg(3), msg(4)],
          hasMore: false,
          changed: [{ ...msg(1), body: 'edited', version: 9 }],
          version: 10,
        });
      },
      (m) => delivered.push(...m),
      (m) => changes.push(...m),
      2,
    );
    sync.receiveChanges([{ ...msg(2), body: 'reacted', version: 4 }]);
    expect(changes.map((m) => m.body)).toEqual(['reacted']);
    expect(sync.lastVersion).toBe(4);
    // A change to a message not delivered yet waits for it, then replaces the older copy.
    sync.receiveChanges([{ ...msg(5), body: 'five, edited', version: 7 }]);
    sync.receive([msg(5)]);
    await sync.resync();
    await new Promise((r) => setTimeout(r, 0));
    expect(asked[0]).toEqual([2, 4]);
    expect(delivered.map((m) => [m.seq, m.body])).toEqual([
      [3, 'body 3'],
      [4, 'body 4'],
      [5, 'five, edited'],
    ]);
    expect(changes.map((m) => m.body)).toEqual(['reacted', 'edited']);
    expect(sync.lastVersion).toBeGreaterThanOrEqual(10);
  });
});
