import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * The baselines: a minimal WebSocket relay, no auth, no storage, no protocol. A client joins
 * the room named in its URL (`/?room=7`); every text frame it sends goes to every socket of
 * that room, itself included.
 *  - frame:   one pre-built frame per message, written to each recipient (one write per message
 *             per recipient): what a naive server cannot beat.
 *  - batched: what arrived for a room in one event-loop turn leaves as one frame per recipient
 *             holding a JSON array: the practical limit for a relay on one core.
 */
const mode = process.argv[2] === 'batched' ? 'batched' : 'frame';
const port = Number(process.env.PORT ?? 0);
const rooms = new Map<string, Set<WebSocket>>();
const queued = new Map<string, Buffer[]>();
let scheduled = false;

/** A server-to-client text frame (unmasked), built once and shared by every recipient. */
function buildFrame(payload: Buffer): Buffer {
  const length = payload.length;
  const header =
    length < 126
      ? Buffer.from([0x81, length])
      : length < 65_536
        ? Buffer.from([0x81, 126, length >> 8, length & 0xff])
        : Buffer.concat([Buffer.from([0x81, 127]), bigEndian64(length)]);
  return Buffer.concat([header, payload]);
}

function bigEndian64(n: number): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeBigUInt64BE(BigInt(n));
  return buffer;
}

/** ws keeps its net.Socket private; writing the pre-built frame to it is the point of this baseline. */
function rawSocket(ws: WebSocket): Socket {
  return (ws as unknown as { _socket: Socket })._socket;
}

function sendToRoom(room: Set<WebSocket>, frame: Buffer): void {
  for (const ws of room) {
    if (ws.readyState === ws.OPEN) rawSocket(ws).write(frame);
  }
}

function flush(): void {
  scheduled = false;
  const batches = [...queued];
  queued.clear();
  for (const [roomName, messages] of batches) {
    const room = rooms.get(roomName);
    if (!room) continue;
    const parts: Buffer[] = [Buffer.from('[')];
    messages.forEach((message, i) => parts.push(i === 0 ? message : Buffer.concat([Buffer.from(','), message])));
    parts.push(Buffer.from(']'));
    sendToRoom(room, buildFrame(Buffer.concat(parts)));
  }
}

const server = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false, clientTracking: false });
server.on('connection', (ws, req) => {
  const roomName = new URL(req.url ?? '/', 'http://relay').searchParams.get('room') ?? 'lobby';
  let room = rooms.get(roomName);
  if (!room) rooms.set(roomName, (room = new Set()));
  room.add(ws);
  ws.on('close', () => room.delete(ws));
  ws.on('error', () => ws.terminate());
  ws.on('message', (data: Buffer) => {
    if (mode === 'frame') {
      sendToRoom(room, buildFrame(Buffer.concat([Buffer.from('['), data, Buffer.from(']')])));
      return;
    }
    const batch = queued.get(roomName);
    if (batch) batch.push(data);
    else queued.set(roomName, [data]);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  });
});
server.on('listening', () => {
  const address = server.address();
  // The orchestrator waits for this line to know the relay is ready and on which port.
  console.log(`listening ${typeof address === 'object' && address ? address.port : port}`);
});
process.on('SIGTERM', () => process.exit(0));
