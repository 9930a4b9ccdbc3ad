import { describe, expect, it } from 'vitest';
import type { Message } from '@parley/protocol';
import { applyChanges, compose, hasReacted, idle, isLong, lastEditable } from './message-changes.js';

const alice = { id: 'a', username: 'alice' };
const bob = { id: 'b', username: 'bob' };
const msg = (seq: number, over: Partial<Message> = {}): Message => ({
  id: `m${seq}`,
  roomId: 'r',
  seq,
  clientMsgId: `c${seq}`,
  sender: alice,
  body: `body ${seq}`,
  sentAt: '2026-01-01T00:00:00.000Z',
  version: seq,
  reactions: [],
  ...over,
});

describe('messages that change, in the web state', () => {
  it('applies a change by version and ignores older or repeated ones', () => {
    const list = [msg(1), msg(2)];
    const edited = msg(1, { body: 'edited', version: 5, editedAt: 'x' });
    const after = applyChanges(list, [edited]);
    expect(after[0]).toBe(edited);
    expect(after[1]).toBe(list[1]);
    expect(applyChanges(after, [msg(1, { body: 'stale', version: 4 })])).toBe(after);
    expect(applyChanges(after, [edited])).toBe(after);
    expect(applyChanges(after, [msg(9, { version: 9 })])).toBe(after);
  });

  it("keeps replies' excerpts current: edited text, '' once deleted", () => {
    const reply = msg(2, { sender: bob, replyTo: { id: 'm1', seq: 1, sender: alice, excerpt: 'body 1' } });
    const list = [msg(1), reply];
    const edited = applyChanges(list, [msg(1, { body: 'new text', version: 3 })]);
    expect(edited[1]?.replyTo?.excerpt).toBe('new text');
    const deleted = applyChanges(edited, [msg(1, { body: '', deletedAt: 'x', version: 4 })]);
    expect(deleted[1]?.replyTo?.excerpt).toBe('');
    expect(deleted[1]?.version).toBe(2);
  });

  it('tells whether I reacted, and which message Up edits', () => {
    const m = msg(1, { reactions: [{ emoji: '👍', count: 2, users: [alice, bob] }] });
    expect(hasReacted(m, '👍', 'b')).toBe(true);
    expect(hasReacted(m, '🎉', 'b')).toBe(false);
    const list = [msg(1), msg(2, { sender: bob }), msg(3, { deletedAt: 'x', body: '' })];
    expect(lastEditable(list, 'a')?.id).toBe('m1');
    expect(lastEditable(list, 'b')?.id).toBe('m2');
    expect(lastEditable(list, 'z')).toBeUndefined();
  });

  it('moves the composer between new, reply and edit, and back when the target is deleted', () => {
    const reply = compose(idle, { type: 'reply', message: msg(1) });
    expect(reply).toMatchObject({ kind: 'reply', to: { id: 'm1', excerpt: 'body 1' } });
    const edit = compose(reply, { type: 'edit', message: msg(2) });
    expect(edit).toEqual({ kind: 'edit', messageId: 'm2', original: 'body 2' });
    expect(compose(edit, { type: 'changed', messages: [msg(1, { deletedAt: 'x' })] })).toBe(edit);
    expect(compose(edit, { type: 'changed', messages: [msg(2, { deletedAt: 'x' })] })).toBe(idle);
    expect(compose(edit, { type: 'cancel' })).toBe(idle);
    expect(compose(idle, { type: 'reply', message: msg(3, { deletedAt: 'x' }) })).toBe(idle);
  });

  it('collapses long messages by characters or lines', () => {
    expect(isLong('short')).toBe(false);
    expect(isLong('x'.repeat(1201))).toBe(true);
    expect(isLong('a\n'.repeat(20))).toBe(true);
  });
});
