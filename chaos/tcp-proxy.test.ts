import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

/** A TCP server that answers every connection with its name, then keeps it open. */
async function namedServer(name: string): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.write(name);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Connects through the proxy: the upstream's name, or 'refused' when the proxy resets it. */
function greeting(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(2000, () => socket.destroy());
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString());
    });
    socket.once('error', () => undefined);
    socket.once('close', () => resolve('refused'));
  });
}

const toClose: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(toClose.splice(0).map((c) => c.close()));
});

describe('the chaos suite’s TCP proxy', () => {
  it('sends new connections to the upstreams in turn, skipping one the health check saw dead', async () => {
    const a = await namedServer('a');
    const b = await namedServer('b');
    toClose.push(a, b);
    let aAlive = true;
    const proxy: TcpProxy = await startTcpProxy({
      upstreamPorts: [a.port, b.port],
      isAlive: (i) => Promise.resolve(i === 1 || aAlive),
      healthEveryMs: 20,
    });
    toClose.push(proxy);
    expect([await greeting(proxy.port), await greeting(proxy.port)]).toEqual(['a', 'b']);
    aAlive = false;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect([await greeting(proxy.port), await greeting(proxy.port)]).toEqual(['b', 'b']);
  });

  it('refuses every connection while cut and forwards again once restored', async () => {
    const a = await namedServer('a');
    toClose.push(a);
    const proxy = await startTcpProxy({ upstreamPorts: [a.port] });
    toClose.push(proxy);
    proxy.cut();
    expect(await greeting(proxy.port)).toBe('refused');
    proxy.restore();
    expect(await greeting(proxy.port)).toBe('a');
  });

  it('drops the connections open when it is cut', async () => {
    const a = await namedServer('a');
    toClose.push(a);
    const proxy = await startTcpProxy({ upstreamPorts: [a.port] });
    toClose.push(proxy);
    const socket = net.connect({ host: '127.0.0.1', port: proxy.port });
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('data', resolve));
    expect(proxy.openCounts()).toEqual([1]);
    const closed = new Promise((resolve) => socket.once('close', resolve));
    proxy.cut();
    await closed;
    expect(proxy.openCounts()).toEqual([0]);
  });
});
