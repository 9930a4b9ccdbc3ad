import { describe, expect, it } from 'vitest';
import { formatRoute, parseRoute, routeOf, samePlace } from './route.js';

describe('routes', () => {
  it('reads rooms, messages and private chats from the path, and writes them back', () => {
    const id = '7062a5fc-a709-4c6f-8679-d8eae82dde84';
    expect(parseRoute(`/r/${id}`)).toEqual({ kind: 'room', roomId: id });
    expect(parseRoute(`/r/${id}/m/42`)).toEqual({ kind: 'room', roomId: id, seq: 42 });
    expect(parseRoute('/dm/Alice_1')).toEqual({ kind: 'dm', username: 'alice_1' });
    for (const route of [
      { kind: 'room', roomId: id } as const,
      { kind: 'room', roomId: id, seq: 7 } as const,
      { kind: 'dm', username: 'bob' } as const,
      { kind: 'home' } as const,
    ]) {
      expect(parseRoute(formatRoute(route))).toEqual(route);
    }
  });

  it('takes anything else as home, never throwing', () => {
    for (const path of ['/', '/r/', '/r/%E0', '/dm/a', '/dm/has space', '/x/y', `/r/${'a'.repeat(65)}`, '/r/a/m/x']) {
      expect(parseRoute(path)).toEqual({ kind: 'home' });
    }
  });

  it('names where the app is; a private chat covers the room', () => {
    expect(routeOf({ activeRoomId: 'r1', activeDm: undefined })).toEqual({ kind: 'room', roomId: 'r1' });
    expect(routeOf({ activeRoomId: 'r1', activeDm: 'bob' })).toEqual({ kind: 'dm', username: 'bob' });
    expect(routeOf({ activeRoomId: undefined, activeDm: undefined })).toEqual({ kind: 'home' });
    expect(samePlace({ kind: 'room', roomId: 'a', seq: 3 }, { kind: 'room', roomId: 'a' })).toBe(true);
    expect(samePlace({ kind: 'room', roomId: 'a' }, { kind: 'room', roomId: 'b' })).toBe(false);
  });
});
