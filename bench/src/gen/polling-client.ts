import { RawHttpConnection } from './raw-http.js';
import type { ClientOptions, LoadClient } from './wire-client.js';
import { SocketIoSession } from './wire-client.js';

const RECORD_SEPARATOR = 0x1e;

function* packets(payload: Buffer): Generator<Buffer> {
  let start = 0;
  for (let i = payload.indexOf(RECORD_SEPARATOR); i !== -1; i = payload.indexOf(RECORD_SEPARATOR, start)) {
    yield payload.subarray(start, i);
    start = i + 1;
  }
  yield payload.subarray(start);
}

/**
 * A Parley client on Engine.IO v4 HTTP long-polling: one GET always pending on its own keep-alive
 * connection, writes as POSTs on a second one (several packets queued in one turn leave in one
 * POST, as engine.io-client does), both on bare TCP (raw-http.ts).
 */
export async function connectParleyPolling(
  baseUrl: string,
  token: string,
  roomId: string,
  options: ClientOptions,
): Promise<LoadClient> {
  const { hostname, port } = new URL(baseUrl);
  const polls = new RawHttpConnection(hostname, Number(port));
  const posts = new RawHttpConnection(hostname, Number(port));
  const request = (path: string, method: 'GET' | 'POST', body?: string) =>
    (method === 'GET' ? polls : posts).request(method, path, body);
  const base = `/socket.io/?EIO=4&transport=polling`;
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
      // The close packet's POST goes first; then both connections end.
      setTimeout(() => {
        polls.close();
        posts.close();
      }, 1000).unref();
    },
  };
}
