import net from 'node:net';

/**
 * A TCP forwarder on 127.0.0.1 standing in for a load balancer (in front of the instances) or
 * for the network (between the instances and PostgreSQL). Each new connection goes to the next
 * upstream, in turn, that the health check last saw answering; existing connections stay where
 * they are, so a paused upstream keeps its clients, as a real balancer would.
 */
export interface TcpProxy {
  port: number;
  /** Open connections per upstream index. */
  openCounts(): number[];
  /** The upstream index a client's connection (by its local port) was forwarded to. */
  upstreamOf(clientPort: number): number | undefined;
  /** Drops every open connection and refuses new ones (connection reset) until `restore`. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export interface TcpProxyOptions {
  upstreamPorts: number[];
  /** Answers whether upstream i is alive; asked every `healthEveryMs`. Without it all are. */
  isAlive?: (index: number) => Promise<boolean>;
  healthEveryMs?: number;
}

export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const { upstreamPorts } = options;
  const alive = upstreamPorts.map(() => true);
  const open = upstreamPorts.map(() => new Set<net.Socket>());
  let next = 0;
  let isCut = false;
  let checking = false;

  const pick = (): number | undefined => {
    for (let tried = 0; tried < upstreamPorts.length; tried += 1) {
      const index = (next + tried) % upstreamPorts.length;
      if (alive[index]) {
        next = index + 1;
        return index;
      }
    }
    return undefined;
  };

  const server = net.createServer((downstream) => {
    downstream.on('error', () => downstream.destroy());
    const index = isCut ? undefined : pick();
    if (index === undefined) {
      downstream.resetAndDestroy();
      return;
    }
    const upstream = net.connect({ host: '127.0.0.1', port: upstreamPorts[index] ?? 0 });
    const sockets = open[index];
    sockets?.add(downstream);
    const end = () => {
      sockets?.delete(downstream);
      downstream.destroy();
      upstream.destroy();
    };
    upstream.on('error', end);
    upstream.on('close', end);
    downstream.on('close', end);
    downstream.pipe(upstream);
    upstream.pipe(downstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  const health =
    options.isAlive &&
    setInterval(() => {
      if (checking || !options.isAlive) return;
      checking = true;
      const check = options.isAlive;
      void Promise.all(upstreamPorts.map((_, i) => check(i).then((ok) => (alive[i] = ok)))).finally(
        () => (checking = false),
      );
    }, options.healthEveryMs ?? 250);

  return {
    port,
    openCounts: () => open.map((sockets) => sockets.size),
    upstreamOf(clientPort) {
      const index = open.findIndex((sockets) => [...sockets].some((s) => s.remotePort === clientPort));
      return index < 0 ? undefined : index;
    },
    cut() {
      isCut = true;
      for (const sockets of open) for (const socket of sockets) socket.resetAndDestroy();
    },
    restore() {
      isCut = false;
    },
    close() {
      if (health) clearInterval(health);
      for (const sockets of open) for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Whether an HTTP server answers at all (any status) within the time: a liveness probe. */
export async function answersHttp(url: string, timeoutMs: number): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return true;
  } catch {
    return false;
  }
}
