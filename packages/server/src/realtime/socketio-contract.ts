import { Socket } from 'socket.io';
import type { ParleyNamespace, ParleyServer } from './socket-server.js';

/**
 * The contract between Parley's own WebSocket endpoint and Socket.IO's internals: what Socket.IO
 * (socket.io 4.8, socket.io-adapter 2.5, and @socket.io/redis-streams-adapter 0.3 on top of it)
 * calls on an entry of a namespace's `sockets` map. A direct connection is such an entry, so room
 * broadcasts, `socketsJoin`/`socketsLeave`, `disconnectSockets` and `io.close()` reach it on this
 * instance and, through the Redis adapter, from every other. engine-backlog.ts relies on engine.io's
 * socket events 'packetCreate' and 'flush' and on `close(discard)`. package.json pins socket.io,
 * engine.io, socket.io-adapter and the Redis streams adapter to patch ranges (`~`) for these
 * reasons; socketio-contract.test.ts fails when an upgrade breaks the contract.
 *
 * What does NOT reach a direct connection (Parley uses none of it for WebSocket clients):
 * `io.use` middleware and `io.on('connection')` (the endpoint admits through the connection gate
 * itself), `fetchSockets()` (it would return these objects, which are not Socket instances),
 * broadcasts with acks (`timeout().emitWithAck` to a room: the adapter's `socket.acks` is absent),
 * `socket.data`, connection state recovery, and binary attachments.
 */
export interface NamespaceMember {
  readonly id: string;
  /** socket-io-adapter's `broadcast` writes each encoded packet with `socket.client.writeToEngine`. */
  readonly client: { writeToEngine(encodedPackets: unknown[], options: BroadcastWriteOptions): void };
  /** `socketsJoin` / `socketsLeave` (addSockets / delSockets). */
  join(rooms: string | string[]): Promise<void> | void;
  leave(room: string): Promise<void> | void;
  /** `disconnectSockets(close)`. */
  disconnect(close?: boolean): unknown;
  /** `io.close()` calls `_onclose('server shutting down')` on every socket of every namespace. */
  _onclose(reason: string): unknown;
}

/**
 * The options object socket.io-adapter builds once per broadcast and passes, the same object,
 * to every recipient: Parley keys the broadcast's encoded WebSocket frame on its identity.
 */
export interface BroadcastWriteOptions {
  preEncoded?: boolean;
  volatile?: boolean;
  compress?: boolean;
}

/**
 * The namespace's socket map as the adapter uses it. Socket.IO types the map by its Socket class,
 * whose `client.writeToEngine` is private; the adapter only ever calls {@link NamespaceMember}'s
 * members on what it finds there, so this one view is the single place the types are bridged.
 */
export function namespaceMembers(nsp: ParleyNamespace): Map<string, NamespaceMember> {
  return nsp.sockets as unknown as Map<string, NamespaceMember>;
}

/** What the adapter of a namespace must offer the endpoint. */
const ADAPTER_METHODS = ['addAll', 'del', 'delAll', 'broadcast', 'addSockets', 'delSockets', 'disconnectSockets'];

/**
 * Checks, at start-up, that the Socket.IO internals the endpoint relies on exist with the expected
 * shape; an empty list means the contract holds. (Client.writeToEngine is checked by the test on a
 * live socket: Socket.IO does not export its Client class.)
 */
export function socketIoContractProblems(io: ParleyServer): string[] {
  const problems: string[] = [];
  const nsp = io.of('/');
  if (!(nsp.sockets instanceof Map)) problems.push('namespace.sockets is not a Map');
  const adapter = nsp.adapter as unknown as Record<string, unknown>;
  for (const method of ADAPTER_METHODS) {
    if (typeof adapter[method] !== 'function') problems.push(`adapter.${method} is missing`);
  }
  const socketPrototype = Socket.prototype as unknown as Record<string, unknown>;
  for (const method of ['_onclose', 'join', 'leave', 'disconnect']) {
    if (typeof socketPrototype[method] !== 'function') problems.push(`Socket.prototype.${method} is missing`);
  }
  return problems;
}
