import type { Message } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { CatchUpMemo, type CatchUp } from './catch-up-memo.js';

const messages = (count: number) => Array.from({ length: count }, (_, i) => ({ seq: i + 1 }) as Message);

/** A read that counts its calls. */
function reader(count = 3) {
  const reads: number[] = [];
  const read = (): Promise<CatchUp> => {
    reads.push(1);
    return Promise.resolve({ messages: messages(count), hasMore: false });
  };
  return { read, reads };
}

describe('CatchUpMemo (issue 17)', () => {
  it('shares one read among re-joins of the same room state and sinceSeq, in flight or done', async () => {
    const memo = new CatchUpMemo(100);
    const { read, reads } = reader();
    const state = { lastSeq: 3, lastVersion: 3 };
    const together = await Promise.all([memo.answer('r', state, 0, read), memo.answer('r', state, 0, read)]);
    expect(together[0]).toBe(together[1]);
    expect(await memo.answer('r', state, 0, read)).toBe(together[0]);
    expect(reads).toHaveLength(1);
    expect(memo.messagesHeld).toBe(3);
  });

  it('reads again when the state moved (a send, an edit, a delete, a reaction) or for another sinceSeq', async () => {
    const memo = new CatchUpMemo(100);
    const { read, reads } = reader();
    await memo.answer('r', { lastSeq: 3, lastVersion: 3 }, 0, read);
    await memo.answer('r', { lastSeq: 3, lastVersion: 3 }, 1, read);
    await memo.answer('r', { lastSeq: 4, lastVersion: 4 }, 0, read); // a send
    await memo.answer('r', { lastSeq: 4, lastVersion: 5 }, 0, read); // an edit
    await memo.answer('other', { lastSeq: 4, lastVersion: 5 }, 0, read);
    expect(reads).toHaveLength(5);
  });

  it('keeps no failed read, and holds at most its messages, the least recently used rooms going first', async () => {
    const memo = new CatchUpMemo(10);
    const state = { lastSeq: 5, lastVersion: 5 };
    await expect(memo.answer('r', state, 0, () => Promise.reject(new Error('database down')))).rejects.toThrow();
    const { read, reads } = reader(5);
    await memo.answer('r', state, 0, read);
    expect(reads).toHaveLength(1);
    await memo.answer('b', state, 0, read);
    await memo.answer('c', state, 0, read);
    expect(memo.messagesHeld).toBeLessThanOrEqual(10);
    await memo.answer('r', state, 0, read); // 'r' was the oldest: read again
    expect(reads).toHaveLength(4);
  });

  it('keeps the rooms re-joined in turns while they are asked for again (LRU, not first in first out)', async () => {
    // Two rooms fit; 'a' is asked for again before 'c' comes, so 'b' goes, not 'a'.
    const memo = new CatchUpMemo(10);
    const state = { lastSeq: 5, lastVersion: 5 };
    const { read, reads } = reader(5);
    await memo.answer('a', state, 0, read);
    await memo.answer('b', state, 0, read);
    await memo.answer('a', state, 0, read);
    await memo.answer('c', state, 0, read);
    await memo.answer('a', state, 0, read);
    expect(reads).toHaveLength(3);
    await memo.answer('b', state, 0, read);
    expect(reads).toHaveLength(4);
  });

  it('drops a room nobody asked for during idleMs, at the next answer', async () => {
    let clock = 0;
    const memo = new CatchUpMemo(100, 1_000, () => clock);
    const state = { lastSeq: 5, lastVersion: 5 };
    const { read, reads } = reader(5);
    await memo.answer('a', state, 0, read);
    clock = 600;
    await memo.answer('b', state, 0, read);
    clock = 1_100; // 'a' idle for 1,100 ms, 'b' for 500
    await memo.answer('b', state, 0, read);
    expect(memo.messagesHeld).toBe(5);
    expect(reads).toHaveLength(2);
    await memo.answer('a', state, 0, read);
    expect(reads).toHaveLength(3);
  });
});
