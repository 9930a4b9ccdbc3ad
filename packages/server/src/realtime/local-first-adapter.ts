import { Adapter, MessageType, type BroadcastOptions, type ClusterAdapter, type Room } from 'socket.io-adapter';

/** ClusterAdapter's `publish` (protected in its typings): sends to the stream, never throws. */
interface Publisher {
  publish(message: { type: MessageType; data: unknown }): void;
}

const encodeOptions = (opts: BroadcastOptions) => ({
  rooms: [...opts.rooms],
  except: [...(opts.except ?? [])],
  flags: opts.flags,
});

const local = Adapter.prototype;

/**
 * Makes a cluster adapter serve this instance's own sockets at once. socket.io-adapter's
 * ClusterAdapter (under @socket.io/redis-streams-adapter 0.3, socket.io-adapter 2.5.8, pinned)
 * awaits the Redis write of a broadcast, a join, a leave or a disconnect before doing it
 * locally, so while Redis restarts every delivery stopped, local ones included (issue 11:
 * ~5 s). Here the message to the other instances is handed to the Redis client (which queues
 * it while disconnected and sends it on reconnect) without waiting, and the local part runs
 * now: the other instances' recipients wait for Redis, this instance's do not.
 *
 * The stream adapter's class is not exported, so its instance's four methods are replaced;
 * a test sends through a stopped Redis and fails if an upgrade changes what they do.
 */
export function deliverLocallyFirst<A extends ClusterAdapter>(adapter: A): A {
  const publisher = adapter as unknown as Publisher;
  const toOthers = (opts: BroadcastOptions, type: MessageType, data: Record<string, unknown>) => {
    if (!opts.flags?.local) publisher.publish({ type, data: { opts: encodeOptions(opts), ...data } });
  };
  // `packet` is Socket.IO's internal packet, typed `any` by socket.io-adapter itself.
  adapter.broadcast = (packet: unknown, opts: BroadcastOptions) => {
    toOthers(opts, MessageType.BROADCAST, { packet });
    local.broadcast.call(adapter, packet, opts);
    return Promise.resolve();
  };
  adapter.addSockets = (opts: BroadcastOptions, rooms: Room[]) => {
    toOthers(opts, MessageType.SOCKETS_JOIN, { rooms });
    local.addSockets.call(adapter, opts, rooms);
    return Promise.resolve();
  };
  adapter.delSockets = (opts: BroadcastOptions, rooms: Room[]) => {
    toOthers(opts, MessageType.SOCKETS_LEAVE, { rooms });
    local.delSockets.call(adapter, opts, rooms);
    return Promise.resolve();
  };
  adapter.disconnectSockets = (opts: BroadcastOptions, close: boolean) => {
    toOthers(opts, MessageType.DISCONNECT_SOCKETS, { close });
    local.disconnectSockets.call(adapter, opts, close);
    return Promise.resolve();
  };
  return adapter;
}
