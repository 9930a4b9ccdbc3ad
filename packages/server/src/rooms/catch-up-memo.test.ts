import type { Message } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { CatchUpMemo } from './catch-up-memo.js';

const messages = (count: number) => Array.from({ length: count }, (_, i) => ({ seq: i + 1 }) as Message);

describe('CatchUpMemo (issue 17)', () => {
  it('answers only for the same room state and sinceSeq: a send, edit, delete or reaction moves the state', () => {
    const memo = new CatchUpMemo(100);
    const read = { messages: messages(3), hasMore: false };
    memo.set('r', { lastSeq: 3, lastVersion: 3 }, 0, read);
    expect(memo.get('r', { lastSeq: 3, lastVersion: 3 }, 0)).toBe(read);
    expect(memo.get('r', { lastSeq: 3, lastVersion: 3 }, 1)).toBeUndefined();
    expect(memo.get('r', { lastSeq: 4, lastVersion: 4 }, 0)).toBeUndefined(); // a send
    expect(memo.get('r', { lastSeq: 3, lastVersion: 4 }, 0)).toBeUndefined(); // an edit
    expect(memo.get('other', { lastSeq: 3, lastVersion: 3 }, 0)).toBeUndefined();
    // A newer state replaces the room's entry.
    memo.set('r', { lastSeq: 3, lastVersion: 4 }, 0, { messages: messages(3), hasMore: false });
    expect(memo.get('r', { lastSeq: 3, lastVersion: 3 }, 0)).toBeUndefined();
    expect(memo.messagesHeld).toBe(3);
  });

  it('holds at most its messages, the least recently kept rooms going first', () => {
    const memo = new CatchUpMemo(10);
    const state = { lastSeq: 5, lastVersion: 5 };
    memo.set('a', state, 0, { messages: messages(5), hasMore: false });
    memo.set('b', state, 0, { messages: messages(5), hasMore: false });
    memo.set('c', state, 0, { messages: messages(5), hasMore: false });
    expect(memo.get('a', state, 0)).toBeUndefined();
    expect(memo.get('c', state, 0)?.messages).toHaveLength(5);
    expect(memo.messagesHeld).toBeLessThanOrEqual(10);
    memo.set('big', state, 0, { messages: messages(11), hasMore: false });
    expect(memo.get('big', state, 0)).toBeUndefined();
  });
});
