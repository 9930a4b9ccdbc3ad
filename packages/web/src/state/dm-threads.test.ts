import { describe, expect, it } from 'vitest';
import { initialState, type DmMessage } from './app-state.js';
import {
  acceptRequest,
  addToThread,
  countUndecryptable,
  findMessage,
  insertMessage,
  isOverdue,
  patchMessage,
  threadKey,
  withThread,
} from './dm-threads.js';

const message = (over: Partial<DmMessage>): DmMessage => ({
  localId: 'l1',
  id: undefined,
  mine: true,
  text: 'hi',
  sentAt: '2026-01-01T00:00:00.000Z',
  expiresAt: '2026-01-01T00:02:00.000Z',
  status: 'queued',
  ...over,
});

describe('private conversations in memory', () => {
  it('calls a queued message of ours expired once its time and the grace are up, and nothing else', () => {
    const end = Date.parse('2026-01-01T00:02:00.000Z');
    expect(isOverdue(message({}), end + 1999, 2000)).toBe(false);
    expect(isOverdue(message({}), end + 2000, 2000)).toBe(true);
    for (const status of ['sending', 'delivered', 'failed', 'expired'] as const) {
      expect(isOverdue(message({ status }), end + 10_000, 2000)).toBe(false);
    }
    expect(isOverdue(message({ mine: false, status: 'received' }), end + 10_000, 2000)).toBe(false);
  });

  it('keeps each message once, in the order they were sent, whenever they arrive', () => {
    const late = message({ localId: 'b', sentAt: '2026-01-01T00:00:05.000Z' });
    const early = message({ localId: 'a', sentAt: '2026-01-01T00:00:01.000Z' });
    const list = insertMessage(insertMessage(insertMessage([], late), early), late);
    expect(list.map((m) => m.localId)).toEqual(['a', 'b']);
  });

  it('finds a message by its server id once the ack named it, in whichever conversation holds it', () => {
    const peer = { id: 'u2', username: 'Bob' };
    let s = withThread(initialState, peer);
    expect(Object.keys(s.dms)).toEqual(['bob']);
    s = { ...s, dms: { bob: { ...s.dms.bob!, messages: [message({})] } } };
    s = patchMessage(s, { localId: 'l1' }, { id: 'srv-1' });
    s = patchMessage(s, { id: 'srv-1' }, { status: 'delivered' });
    expect(findMessage(s, { id: 'srv-1' })?.status).toBe('delivered');
    expect(patchMessage(s, { id: 'unknown' }, { status: 'expired' })).toBe(s);
  });

  it('shows a message from a non-buddy as a request until accepted, and counts undecryptable ones', () => {
    const ana = { id: 'a', username: 'Ana' };
    let s = addToThread(initialState, ana, message({ mine: false, status: 'received' }), {
      viewing: false,
      request: true,
    });
    expect(s.dms[threadKey('ana')]).toMatchObject({ unread: 1, request: true });
    s = addToThread(s, ana, message({ localId: 'l2', mine: false, sentAt: '2026-01-01T00:00:01.000Z' }), {
      viewing: true,
      request: false,
    });
    expect(s.dms[threadKey('ana')]).toMatchObject({ unread: 1, request: true });
    s = acceptRequest(s, 'ANA');
    expect(s.dms[threadKey('ana')]?.request).toBe(false);
    s = countUndecryptable(countUndecryptable(s, ana), ana);
    expect(s.dms[threadKey('ana')]?.undecryptable).toBe(2);
    // Ours, from another device of ours, is never unread.
    s = addToThread(s, ana, message({ localId: 'l3', sentAt: '2026-01-01T00:00:02.000Z' }), {
      viewing: false,
      request: false,
    });
    expect(s.dms[threadKey('ana')]?.unread).toBe(1);
    // An answer to a conversation we began is no request.
    const ben = { id: 'b', username: 'ben' };
    let t = addToThread(initialState, ben, message({ localId: 'm1' }), { viewing: true, request: false });
    t = addToThread(t, ben, message({ localId: 'm2', mine: false }), { viewing: true, request: true });
    expect(t.dms[threadKey('ben')]?.request).toBe(false);
  });
});
