import http from 'node:http';
import type { ClientOptions, LoadClient } from './wire-client.js';
import { SocketIoSession } from './wire-client.js';

// Every long-poll holds a socket open; the default agent would queue polls behind each other.
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
const RECORD_SEPARATOR = 0x1e;

function request(url: string, method: 'GET' | 'POST', body?: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers: { 'content-type': 'text/plain;charset=UTF-8' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`HTTP ${res.statusCode}`)),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function* packets(payload: Buffer): Generator<Buffer> {
  let start = 0;
  for (let i = payload.indexOf(RECORD_SEPARATOR); i !== -1; i = payload.indexOf(RECORD_SEPARATOR, start)) {
    yield payload.subarray(start, i);
    start = i + 1;
  }
  yield payload.subarray(start);
}

/**
 * A Parley client on Engine.IO v4 HTTP long-polling: one GET always pending, writes as POSTs
 * (several packets queued in one turn leave in one POST, as engine.io-client does).
 */
export async function connectParleyPolling(
  baseUrl: string,
  token: string,
  roomId: string,
  options: ClientOptions,
): Promise<LoadClient> {
  const base = `${baseUrl}/socket.io/?EIO=4&transport=polling`;
  const open = await request(base, 'GET');
  const sid = (JSON.parse(open.toString('utf8', 1)) as { sid: string }).sid;
  const url = `${base}&sid=${encodeURIComponent(sid)}`;
  let closed = false;
  let outbox: string[] = [];
  const write = (packet: string) => {
    outbox.push(packet);
    if (outbox.length === 1) {
      setImmediate(() => {
        const body = outbox.join('\x1e');
        outbox = [];
        request(url, 'POST', body).catch(() => {
          if (!closed) options.counters.errors += 1;
        });
      });
    }
  };
  const session = new SocketIoSession(token, options, write);
  const connected = session.waitConnected();
  session.handle(open);
  const poll = async () => {
    while (!closed) {
      try {
        for (const packet of packets(await request(url, 'GET'))) session.handle(packet);
      } catch {
        if (!closed) options.counters.errors += 1;
        return;
      }
    }
  };
  void poll();
  await connected;
  return {
    send: (body) => session.send(roomId, body),
    close() {
      closed = true;
      write('1');
    },
  };
}
