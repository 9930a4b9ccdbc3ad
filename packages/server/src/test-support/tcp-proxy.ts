import net from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a service (PostgreSQL, Redis) that a test can break:
 * `refuse()` drops every connection and refuses new ones (the service is down), `hang()`
 * accepts and forwards nothing (the service or the network stalls), `restore()` forwards again.
 */
export interface TcpProxy {
  readonly port: number;
  /** The target URL with its host and port replaced by the proxy's. */
  urlFor(targetUrl: string): string;
  refuse(): Promise<void>;
  hang(): void;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<{ client: net.Socket; upstream?: net.Socket }>();
  let mode: 'forward' | 'hang' = 'forward';

  const server = net.createServer((client) => {
    const pair: { client: net.Socket; upstream?: net.Socket } = { client };
    pairs.add(pair);
    client.on('error', () => undefined);
    client.on('close', () => {
      pairs.delete(pair);
      pair.upstream?.destroy();
    });
    if (mode === 'hang') return;
    const upstream = net.connect(target);
    pair.upstream = upstream;
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stopListening = () => new Promise<void>((resolve) => server.close(() => resolve()));
  const dropAll = () => {
    for (const { client, upstream } of pairs) {
      client.destroy();
      upstream?.destroy();
    }
  };

  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  let listening = true;

  return {
    port,
    urlFor(targetUrl) {
      const url = new URL(targetUrl);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      return url.toString();
    },
    async refuse() {
      if (listening) {
        listening = false;
        const closed = stopListening();
        dropAll();
        await closed;
      }
    },
    hang() {
      mode = 'hang';
      for (const { client, upstream } of pairs) {
        client.unpipe();
        upstream?.unpipe();
        client.pause();
        upstream?.pause();
      }
    },
    async restore() {
      if (mode === 'hang') dropAll();
      mode = 'forward';
      if (!listening) {
        await listen(port);
        listening = true;
      }
    },
    async close() {
      if (listening) {
        listening = false;
        const closed = stopListening();
        dropAll();
        await closed;
      }
    },
  };
}
