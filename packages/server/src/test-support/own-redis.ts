import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

/** A port nobody listens on right now, for a server a test starts itself. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

/** A Redis of the test's own, which it may stop and restart (the shared one must not be). */
export interface OwnRedis {
  url: string;
  /** Stops the server; every key is gone (unless its `persistence` saved them). */
  stop(): Promise<void>;
  /** Starts it again on the same port; resolves once it answers. */
  start(): Promise<void>;
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('error', () => resolve(false));
  });
}

const isRunning = (child: ChildProcess | undefined): child is ChildProcess =>
  child !== undefined && child.exitCode === null && child.signalCode === null;

/**
 * Starts a Redis of the test's own. It keeps nothing on disk unless `persistence` says otherwise
 * (redis-server's own arguments, e.g. `['--save', '900 1', '--dir', dir]`).
 */
export async function startOwnRedis(
  persistence: readonly string[] = ['--save', '', '--appendonly', 'no'],
): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const own: OwnRedis = {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      // Already running: a second redis-server could not bind the port, and the first would be
      // left running after stop() (an afterAll that starts Redis "to be sure" did exactly that).
      if (isRunning(child)) return;
      const args = ['--port', String(port), '--bind', '127.0.0.1', ...persistence];
      child = spawn('redis-server', args, { stdio: 'ignore' });
      const deadline = Date.now() + 10_000;
      while (!(await answers(port))) {
        if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    // SIGKILL, waited for: on SIGTERM a Redis with snapshots on saves first, and stays up when
    // that save fails (its folder already removed): an orphaned redis-server per CI run.
    async stop() {
      const running = child;
      child = undefined;
      if (!isRunning(running)) return;
      await new Promise((resolve) => {
        running.once('exit', resolve);
        running.kill('SIGKILL');
      });
    },
  };
  await own.start();
  return own;
}
