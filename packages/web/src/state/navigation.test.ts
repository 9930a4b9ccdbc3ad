import { describe, expect, it } from 'vitest';
import type { Room } from '@parley/protocol';
import { initialState, type AppState } from './app-state.js';
import { emptyAttention } from './attention.js';
import { withThread } from './dm-threads.js';
import { peerFor, withKnownPeer } from './navigation.js';

const bob = { id: 'u2', username: 'Bob' };
const room: Room = {
  id: 'r1',
  name: 'team',
  topic: '',
  capacity: 10,
  memberCount: 1,
  visibility: 'public',
  slowModeSeconds: 0,
};

/** A reload at /dm/bob: the conversation is open before anyone knows who bob is. */
function reopened(): AppState {
  return { ...withThread(initialState, { id: '', username: 'bob' }), activeDm: 'bob' };
}

describe('the contact of a chat opened from its URL', () => {
  it('is nobody yet, and stays so until the page learns of them', () => {
    const s = reopened();
    expect(peerFor(s, 'bob')).toEqual({ id: '', username: 'bob' });
    expect(withKnownPeer(s)).toBe(s);
  });

  it('takes the id (and spelling) from a room member once the rooms load', () => {
    const s: AppState = {
      ...reopened(),
      rooms: {
        r1: {
          ...emptyAttention,
          room,
          members: [{ ...bob, role: 'member' }],
          messages: [],
          hasMore: false,
          loadingOlder: false,
        },
      },
    };
    const filled = withKnownPeer(s);
    expect(filled.dms.bob?.peer).toEqual(bob);
    expect(withKnownPeer(filled)).toBe(filled);
  });

  it('takes it from the buddy list', () => {
    const s: AppState = {
      ...reopened(),
      buddies: { ...initialState.buddies, list: [{ user: bob, status: 'online' }] },
    };
    expect(withKnownPeer(s).dms.bob?.peer).toEqual(bob);
  });
});
