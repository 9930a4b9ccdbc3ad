import type { ServerEventName, ServerEventPayloads, User } from '@parley/protocol';

/** One open realtime connection, as capabilities see it (no Socket.IO types leak out). */
export interface Connection {
  user: User;
  socketId: string;
  emit<E extends ServerEventName>(event: E, payload: ServerEventPayloads[E]): void;
}

/** Capabilities that act when a connection opens or closes (pending DMs, presence). */
export interface ConnectionLifecycle {
  connected?(connection: Connection): void;
  disconnected?(connection: Connection): void;
}
