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
});
