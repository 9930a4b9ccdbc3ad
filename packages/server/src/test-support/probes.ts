import { request, type IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { TestServer } from './server.js';

/** The value of one sample of `/metrics`, e.g. `parley_connection_refusals_total{reason="origin"}` (0 when absent). */
export async function metricValue(server: TestServer, sample: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return Number(line?.split(' ')[1] ?? 0);
}

export type UpgradeAnswer =
  | { status: 101; socket: Socket }
  | { status: number; body: string; headers: IncomingHttpHeaders }
  | { status: 'closed' };

/** A raw WebSocket upgrade to Parley's endpoint, from `localAddress`, with extra headers. */
export function rawUpgrade(
  server: TestServer,
  options: { localAddress?: string; headers?: Record<string, string> } = {},
): Promise<UpgradeAnswer> {
  const url = new URL(server.url);
  return new Promise((resolve) => {
    const req = request({
      host: url.hostname,
      port: url.port,
      path: '/socket.io/?EIO=4&transport=websocket',
      localAddress: options.localAddress ?? '127.0.0.1',
      agent: false,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        ...options.headers,
      },
    });
    req.on('upgrade', (_res, socket) => resolve({ status: 101, socket }));
    req.on('response', (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    // A refusal that closes the socket without an answer.
    req.on('error', () => resolve({ status: 'closed' }));
    req.end();
  });
}
