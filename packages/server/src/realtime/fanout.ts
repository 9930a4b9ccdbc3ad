import type { Message, ServerEventName, ServerEventPayloads } from '@parley/protocol';

/**
 * How services reach connected clients, on this instance and (through the Socket.IO adapter)
 * on every other. Services call this seam, never Socket.IO itself.
 */
export interface Fanout {
  /** Queues a stored message; the room's queued messages leave as one `message:new` per turn. */
  publishMessage(message: Message): void;
  /**
   * Queues a changed message (edit, delete, reaction); the room's changes leave as one
   * `message:update` per turn, before that turn's `message:new`, each message once in its latest version.
   */
  publishUpdate(message: Message): void;
  toRoom<E extends ServerEventName>(roomId: string, event: E, payload: ServerEventPayloads[E]): void;
  toUser<E extends ServerEventName>(userId: string, event: E, payload: ServerEventPayloads[E]): void;
  /** Extension (devices): to the connections bound to one device of the user, on every instance. */
  toDevice<E extends ServerEventName>(
    userId: string,
    deviceId: string,
    event: E,
    payload: ServerEventPayloads[E],
  ): void;
  /** Binds a connection of this instance to its device (after it published the device's key). */
  bindDevice(socketId: string, userId: string, deviceId: string): void;
  /** Subscribes every connection of the user, on every instance, to the room's events. */
  subscribeUser(userId: string, roomId: string): Promise<void>;
  /**
   * Subscribes one connection of this instance to the room's events: a member's re-join, whose
   * other connections are subscribed already (at their handshake, or by the join that added them).
   */
  subscribeConnection(socketId: string, roomId: string): void;
  unsubscribeUser(userId: string, roomId: string): Promise<void>;
  /** Sends what is queued now; used before shutdown. */
  flush(): void;
}

export const roomChannel = (roomId: string) => `room:${roomId}`;
export const userChannel = (userId: string) => `user:${userId}`;
export const deviceChannel = (userId: string, deviceId: string) => `device:${userId}:${deviceId}`;
export const sessionChannel = (tokenHash: string) => `session:${tokenHash}`;
