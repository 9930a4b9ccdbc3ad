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
  let scheduled = false;

  function flush(): void {
    scheduled = false;
    const batches = queued;
    queued = new Map();
    for (const [roomId, messages] of batches) {
      // Commits of one room can resolve out of order on a pool; the batch goes out by seq.
      messages.sort((a, b) => a.seq - b.seq);
      io.to(roomChannel(roomId)).emit('message:new', { roomId, messages });
    }
  }

  return {
    publishMessage(message) {
      const batch = queued.get(message.roomId);
      if (batch) batch.push(message);
      else queued.set(message.roomId, [message]);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
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
    async unsubscribeUser(userId, roomId) {
      await Promise.resolve(io.in(userChannel(userId)).socketsLeave(roomChannel(roomId)));
    },
    flush,
  };
}
