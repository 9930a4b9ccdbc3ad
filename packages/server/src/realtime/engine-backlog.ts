import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { ParleyServer } from './socket-server.js';

/** The part of an engine.io socket the cap uses (engine.io lib/socket.ts). */
interface EngineSocket {
  readonly id: string;
  readonly transport: { readonly name: string };
  on(event: 'packetCreate', listener: (packet: { data?: unknown }) => void): unknown;
  on(event: 'flush', listener: () => void): unknown;
  close(discard?: boolean): void;
}

/**
 * Caps what Socket.IO holds unsent for one Engine.IO session (long-polling, a polling session
 * upgraded to WebSocket, and every WebSocket client under `WEBSOCKET_SERVER=socketio`).
 *
 * engine.io queues every packet in the session's write buffer until the transport can take it:
 * for long-polling that is the next GET, so a session that never GETs grows it without bound
 * (issue 10: +1.4 GB). Each packet is counted as it is queued ('packetCreate') and the count is
 * reset when the buffer is handed to the transport ('flush'). Past the cap the session is closed
 * with its buffer discarded; the client sees a closed transport and reconnects.
 */
export function capEngineBacklogs(io: ParleyServer, deps: { capBytes: number; log: Logger; metrics: Metrics }): void {
  io.engine.on('connection', (socket: EngineSocket) => {
    let backlog = 0;
    let cut = false;
    socket.on('flush', () => (backlog = 0));
    socket.on('packetCreate', (packet) => {
      backlog += sizeOf(packet.data);
      if (backlog <= deps.capBytes || cut) return;
      cut = true;
      const transport = socket.transport.name;
      deps.metrics.connectionsCut.labels(transport, 'backlog over limit').inc();
      deps.log.warn({ reason: 'backlog over limit', transport, backlogBytes: backlog }, 'realtime connection closed');
      // Closing from inside engine.io's sendPacket: let it finish queueing this packet first.
      queueMicrotask(() => socket.close(true));
    });
  });
}

function sizeOf(data: unknown): number {
  if (typeof data === 'string') return data.length;
  if (Buffer.isBuffer(data)) return data.length;
  if (data instanceof ArrayBuffer) return data.byteLength;
  return 1;
}
