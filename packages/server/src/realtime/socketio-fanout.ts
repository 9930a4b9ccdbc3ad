import type { Message, ServerEventName, ServerEventPayloads } from '@parley/protocol';
import type { Server } from 'socket.io';
import { deviceChannel, roomChannel, userChannel, type Fanout } from './fanout.js';

/**
 * Fan-out over Socket.IO rooms. Messages a room produces within one turn of the event loop
 * leave as one `message:new` packet, encoded once by the adapter for all recipients: one write
 * per recipient per turn instead of one per message (DESIGN.md, "One message, end to end").
 */
export function createSocketIoFanout(io: Server): Fanout {
  let queued = new Map<string, Message[]>();
  let updates = new Map<string, Map<string, Message>>();
  let scheduled = false;

  function flush(): void {
    scheduled = false;
    // Changes first: a client that records the highest version it saw must not see a new
    // message's version before an older change (a disconnect in between would lose it). New
    // messages need no such care: seq, not version, tells a client which ones it has.
    const changed = updates;
    updates = new Map();
    for (const [roomId, byId] of changed) {
      const messages = [...byId.values()].sort((a, b) => a.version - b.version);
      io.to(roomChannel(roomId)).emit('message:update', { roomId, messages });
    }
    const batches = queued;
    queued = new Map();
    for (const [roomId, messages] of batches) {
      // Commits of one room can resolve out of order on a pool; the batch goes out by seq.
      messages.sort((a, b) => a.seq - b.seq);
      io.to(roomChannel(roomId)).emit('message:new', { roomId, messages });
    }
  }

  function schedule(): void {
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  }

  return {
    publishMessage(message) {
      const batch = queued.get(message.roomId);
      if (batch) batch.push(message);
      else queued.set(message.roomId, [message]);
      schedule();
    },
    publishUpdate(message) {
      let byId = updates.get(message.roomId);
      if (!byId) updates.set(message.roomId, (byId = new Map<string, Message>()));
      const earlier = byId.get(message.id);
      // Two changes of one message in one turn: only the later state goes out.
      if (!earlier || earlier.version < message.version) byId.set(message.id, message);
      schedule();
    },
    toRoom<E extends ServerEventName>(roomId: string, event: E, payload: ServerEventPayloads[E]) {
      // Socket.IO's typed emit cannot follow a generic event name; the map above guarantees the pair.
      (io.to(roomChannel(roomId)).emit as (e: string, p: unknown) => boolean)(event, payload);
    },
    toUser<E extends ServerEventName>(userId: string, event: E, payload: ServerEventPayloads[E]) {
      (io.to(userChannel(userId)).emit as (e: string, p: unknown) => boolean)(event, payload);
    },
    toDevice<E extends ServerEventName>(userId: string, deviceId: string, event: E, payload: ServerEventPayloads[E]) {
      (io.to(deviceChannel(userId, deviceId)).emit as (e: string, p: unknown) => boolean)(event, payload);
    },
    bindDevice(socketId, userId, deviceId) {
      // Local: the socket is on this instance (its own event asked for it).
      io.in(socketId).local.socketsJoin(deviceChannel(userId, deviceId));
    },
    async subscribeUser(userId, roomId) {
      await Promise.resolve(io.in(userChannel(userId)).socketsJoin(roomChannel(roomId)));
    },
    subscribeConnection(socketId, roomId) {
      io.in(socketId).local.socketsJoin(roomChannel(roomId));
    },
    async unsubscribeUser(userId, roomId) {
      await Promise.resolve(io.in(userChannel(userId)).socketsLeave(roomChannel(roomId)));
    },
    flush,
  };
}
