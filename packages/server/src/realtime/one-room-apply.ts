import { Adapter, type BroadcastOptions } from 'socket.io-adapter';

/** socket.io-adapter's `apply`, private in its typings: every broadcast, socketsJoin/Leave and disconnectSockets goes through it. */
type Apply = (opts: BroadcastOptions, callback: (socket: unknown) => void) => void;

interface AdapterInternals {
  apply: Apply;
  rooms: Map<string, Set<string>>;
  nsp: { sockets: Map<string, unknown> };
}

/**
 * socket.io-adapter's `apply` builds a Set of the socket ids it has visited (so that a socket in
 * several of the rooms is visited once) and a Set of the excepted ids, also for a single room with
 * no exceptions, whose members are distinct already. For a room of 5,000 that is 5,000 insertions
 * into a fresh Set per broadcast: issue 17's profile of the long-polling fan-out put `apply`'s own
 * time at 5.6 % of the server's busy time, where a relay walks its room's set and writes.
 *
 * Here one room without exceptions is walked straight from the adapter's set; anything else goes
 * to the stock `apply`. The visits are the same: the room's live set is iterated in both (a
 * member removed during the walk, e.g. cut off for its backlog, is not visited after its removal),
 * and no caller of `apply` removes a socket and adds it back to the same room while it runs.
 * Installed on the namespace's final adapter (in-memory, or Redis streams with local-first
 * delivery, whose local part calls the same `apply`).
 */
export function walkOneRoomDirectly(adapter: Adapter): void {
  const internals = adapter as unknown as AdapterInternals;
  const stock = (Adapter.prototype as unknown as AdapterInternals).apply;
  // An adapter that no longer has these internals keeps its own `apply` (one-room-apply.test.ts fails then).
  if (typeof internals.apply !== 'function' || !(internals.rooms instanceof Map)) return;
  internals.apply = function applyOneRoomDirectly(this: AdapterInternals, opts, callback) {
    if (opts.rooms.size !== 1 || (opts.except !== undefined && opts.except.size > 0)) {
      stock.call(this, opts, callback);
      return;
    }
    const [room] = opts.rooms;
    const members = room === undefined ? undefined : this.rooms.get(room);
    if (!members) return;
    for (const id of members) {
      const socket = this.nsp.sockets.get(id);
      if (socket) callback(socket);
    }
  };
}
