import { randomUUID } from 'node:crypto';
import { countFrame, type Counters } from './counters.js';
import { openRawWebSocket, type RawWebSocket } from './raw-websocket.js';

/**
 * Lightweight load clients. Thousands of socket.io-client instances would make the one-core load
 * generator the bottleneck, so receivers speak the wire protocol directly over a bare TCP
 * WebSocket (raw-websocket.ts): Engine.IO v4 + Socket.IO v5 for Parley, plain text frames for
 * the relays. Both kinds only count bytes-level
 * markers (and probes parse timestamps), so Parley and the relays cost the generator the same.
 */
export interface LoadClient {
  /** Sends one room message; resolves when Parley acks it or the relay echoes it back. */
  send(body: string): Promise<void>;
  /** Parley only: one request, resolved with its ack's JSON text (`[result]`). */
  request?(event: string, payload: unknown): Promise<string>;
  close(): void;
}

export interface ClientOptions {
  counters: Counters;
  /** Receivers count deliveries; senders in the fan-out scenarios do not. */
  counts: boolean;
  probe: boolean;
  /** Relay: pad each message's JSON to this many bytes (Parley's message size). */
  messageBytes?: number;
}

const CH_OPEN = 0x30; // '0'
const CH_PING = 0x32; // '2'
const CH_MESSAGE = 0x34; // '4'
const SIO_CONNECT = 0x30;
const SIO_EVENT = 0x32;
const SIO_ACK = 0x33;
const SIO_CONNECT_ERROR = 0x34;

/**
 * Socket.IO over Engine.IO packets, independent of the transport: the WebSocket and the
 * long-polling clients feed it packets and give it a way to write one.
 */
export class SocketIoSession {
  private nextAckId = 1;
  private readonly acks = new Map<number, (packet: Buffer) => void>();
  private connected?: { resolve(): void; reject(error: Error): void };

  constructor(
    private readonly token: string,
    private readonly options: ClientOptions,
    private readonly write: (packet: string) => void,
  ) {}

  /** Resolves once the server accepted the Socket.IO handshake. */
  waitConnected(): Promise<void> {
    return new Promise((resolve, reject) => (this.connected = { resolve, reject }));
  }

  handle(packet: Buffer): void {
    const kind = packet[0];
    if (kind === CH_OPEN) this.write(`40${JSON.stringify({ token: this.token })}`);
    else if (kind === CH_PING) this.write('3');
    else if (kind === CH_MESSAGE) this.handleSocketIo(packet);
  }

  send(roomId: string, body: string): Promise<void> {
    const id = this.nextAckId++;
    const payload = JSON.stringify(['message:send', { roomId, clientMsgId: randomUUID(), body }]);
    return new Promise((resolve) => {
      this.acks.set(id, () => resolve());
      this.write(`42${id}${payload}`);
    });
  }

  /** Any request; its ack's arguments as JSON text (the packet is only valid during the call). */
  request(event: string, data: unknown): Promise<string> {
    const id = this.nextAckId++;
    return new Promise((resolve) => {
      this.acks.set(id, (packet) => resolve(packet.toString('utf8', packet.indexOf(0x5b))));
      this.write(`42${id}${JSON.stringify([event, data])}`);
    });
  }

  private handleSocketIo(packet: Buffer): void {
    const type = packet[1];
    if (type === SIO_EVENT) {
      if (this.options.counts) countFrame(this.options.counters, packet, this.options.probe);
    } else if (type === SIO_ACK) {
      let id = 0;
      for (let i = 2; i < packet.length && packet[i] !== 0x5b; i += 1) id = id * 10 + (packet[i] ?? 48) - 48;
      if (packet.includes('"ok":false')) this.options.counters.errors += 1;
      const resolve = this.acks.get(id);
      this.acks.delete(id);
      resolve?.(packet);
    } else if (type === SIO_CONNECT) {
      this.connected?.resolve();
    } else if (type === SIO_CONNECT_ERROR) {
      this.connected?.reject(new Error(`connect_error ${packet.toString('utf8', 2, 200)}`));
    }
  }
}

/** A Parley client on the WebSocket transport. */
export async function connectParleyWs(
  baseUrl: string,
  token: string,
  roomId: string,
  options: ClientOptions,
): Promise<LoadClient> {
  let socket: RawWebSocket | undefined;
  let closed = (): void => undefined;
  const session = new SocketIoSession(token, options, (packet) => socket?.send(packet));
  const connected = session.waitConnected();
  const ws = await openRawWebSocket(`${baseUrl.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, {
    onFrame(payload, from) {
      socket = from;
      session.handle(payload);
    },
    onClose: () => closed(),
  }).catch((error: unknown) => {
    options.counters.errors += 1;
    throw error;
  });
  try {
    await Promise.race([
      connected,
      new Promise((_, reject) => (closed = () => reject(new Error('closed during the handshake')))),
    ]);
  } catch (error) {
    ws.close();
    throw error;
  } finally {
    closed = () => undefined;
  }
  return {
    send: (body) => session.send(roomId, body),
    request: (event, data) => session.request(event, data),
    close: () => ws.close(),
  };
}

/** A relay client: joins its room through the URL and sends pre-shaped Parley-like messages. */
export async function connectRelay(baseUrl: string, room: number, options: ClientOptions): Promise<LoadClient> {
  const pending = new Map<string, () => void>();
  const senderId = randomUUID();
  let seq = 0;
  const ws = await openRawWebSocket(`${baseUrl.replace(/^http/, 'ws')}/?room=${room}`, {
    onFrame(data) {
      if (options.counts) countFrame(options.counters, data, options.probe);
      // The echo of our own message is the relay's "ack": it went out to the whole room.
      for (const [id, resolve] of pending) {
        if (data.includes(id)) {
          pending.delete(id);
          resolve();
        }
      }
    },
    onClose: () => undefined,
  }).catch((error: unknown) => {
    options.counters.errors += 1;
    throw error;
  });
  return {
    send(body) {
      const clientMsgId = randomUUID();
      seq += 1;
      // The fields a Parley Message has, its body padded so that the JSON weighs what Parley's does.
      const fields = {
        id: randomUUID(),
        roomId: String(room),
        seq,
        clientMsgId,
        sender: { id: senderId, username: 'bench-sender' },
        body,
        sentAt: new Date().toISOString(),
      };
      let message = JSON.stringify(fields);
      const short = (options.messageBytes ?? 0) - Buffer.byteLength(message);
      if (short > 0) message = JSON.stringify({ ...fields, body: body + '.'.repeat(short) });
      return new Promise<void>((done) => {
        pending.set(clientMsgId, done);
        ws.send(message);
      });
    },
    close: () => ws.close(),
  };
}
