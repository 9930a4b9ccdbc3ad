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
  /** Subscribes every connection of the user, on every instance, to the room's events. */
  subscribeUser(userId: string, roomId: string): Promise<void>;
  unsubscribeUser(userId: string, roomId: string): Promise<void>;
  /** Sends what is queued now; used before shutdown. */
  flush(): void;
}

export const roomChannel = (roomId: string) => `room:${roomId}`;
export const userChannel = (userId: string) => `user:${userId}`;
export const sessionChannel = (tokenHash: string) => `session:${tokenHash}`;
