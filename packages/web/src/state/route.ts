/**
 * The web app's links (issue 15): every room, private chat and message has a URL, so Back and
 * Forward move between them, a reload opens where you were, and a link can be shared.
 * `/r/:roomId`, `/r/:roomId/m/:seq` (a message) and `/dm/:username`; anything else is home.
 */
export type Route =
  { kind: 'home' } | { kind: 'room'; roomId: string; seq?: number } | { kind: 'dm'; username: string };

const ROOM = /^\/r\/([^/]{1,64})(?:\/m\/(\d{1,15}))?\/?$/;
const DM = /^\/dm\/([a-zA-Z0-9_.-]{3,32})\/?$/;

export function parseRoute(pathname: string): Route {
  const room = ROOM.exec(pathname);
  if (room?.[1]) {
    const roomId = safeDecode(room[1]);
    if (roomId === undefined) return { kind: 'home' };
    return room[2] ? { kind: 'room', roomId, seq: Number(room[2]) } : { kind: 'room', roomId };
  }
  const dm = DM.exec(pathname);
  if (dm?.[1]) return { kind: 'dm', username: dm[1].toLowerCase() };
  return { kind: 'home' };
}

export function formatRoute(route: Route): string {
  switch (route.kind) {
    case 'room':
      return `/r/${encodeURIComponent(route.roomId)}${route.seq === undefined ? '' : `/m/${route.seq}`}`;
    case 'dm':
      return `/dm/${encodeURIComponent(route.username)}`;
    default:
      return '/';
  }
}

/** Where the app is, as a route: an open private chat covers the room. */
export function routeOf(state: { activeRoomId: string | undefined; activeDm: string | undefined }): Route {
  if (state.activeDm) return { kind: 'dm', username: state.activeDm };
  if (state.activeRoomId) return { kind: 'room', roomId: state.activeRoomId };
  return { kind: 'home' };
}

/** Same place, ignoring a message anchor (moving within a room is not a new history entry). */
export function samePlace(a: Route, b: Route): boolean {
  if (a.kind === 'room' && b.kind === 'room') return a.roomId === b.roomId;
  if (a.kind === 'dm' && b.kind === 'dm') return a.username === b.username;
  return a.kind === b.kind;
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
