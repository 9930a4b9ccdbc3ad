import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, sleep, spawnOwned, waitUntil } from './services.js';
import { answersHttp } from './tcp-proxy.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const serverMain = path.join(repoRoot, 'packages/server/dist/main.js');

export interface ExitRecord {
  instance: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Whether the suite caused it (its own SIGKILL, or a SIGTERM answered with exit code 0). */
  injected: boolean;
}

/**
 * N Parley instances as child processes of the suite, on fixed ports (a restarted instance comes
 * back where it was), sharing one database, one Redis and one REDIS_PREFIX: one deployment.
 */
export interface Cluster {
  ports: number[];
  exits: ExitRecord[];
  kill(index: number): Promise<void>;
  terminate(index: number): Promise<void>;
  pause(index: number): void;
  resume(index: number): void;
  /** Starts instance `index` again (after kill or terminate) and waits until it answers. */
  restart(index: number): Promise<void>;
  /** Starts again every instance that is not running (one that crashed in an earlier phase). */
  revive(): Promise<void>;
  /** Ends every instance still running (SIGKILL: the run is over). */
  stop(): Promise<void>;
}

export async function startCluster(count: number, env: NodeJS.ProcessEnv): Promise<Cluster> {
  const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
  const children: (ChildProcess | undefined)[] = ports.map(() => undefined);
  /** The signal the suite sent each instance it is stopping. */
  const expected = new Map<number, NodeJS.Signals>();
  const exits: ExitRecord[] = [];

  const launch = async (index: number) => {
    const child = spawnOwned(process.execPath, [serverMain], {
      env: { ...env, PORT: String(ports[index]), HOST: '127.0.0.1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    children[index] = child;
    child.once('exit', (code, signal) => {
      const sent = expected.get(index);
      const injectedKill = sent === 'SIGKILL' && signal === 'SIGKILL';
      const cleanTerm = sent === 'SIGTERM' && code === 0;
      expected.delete(index);
      exits.push({ instance: index, code, signal, injected: injectedKill || cleanTerm });
      if (!injectedKill && !cleanTerm) {
        console.error(
          `chaos: instance ${index} exited (code ${code}, signal ${signal}, sent ${sent ?? 'nothing'}): ${stderr}`,
        );
      }
    });
    const url = `http://127.0.0.1:${ports[index]}/healthz`;
    const up = await waitUntil(() => child.exitCode === null && answersHttp(url, 1000), 90_000);
    if (!up) throw new Error(`instance ${index} did not start: ${stderr}`);
  };

  const signalAndWait = (index: number, signal: NodeJS.Signals, timeoutMs: number) => {
    const child = children[index];
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    expected.set(index, signal);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    return Promise.race([exited, sleep(timeoutMs)]).then(async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    });
  };

  try {
    // The first one migrates the database; the others then start side by side.
    await launch(0);
    await Promise.all([...ports.keys()].slice(1).map((index) => launch(index)));
  } catch (error) {
    for (const [index, child] of children.entries()) {
      expected.set(index, 'SIGKILL');
      child?.kill('SIGKILL');
    }
    throw error;
  }

  return {
    ports,
    exits,
    kill: (index) => signalAndWait(index, 'SIGKILL', 5000),
    // Past SHUTDOWN_TIMEOUT_MS the suite kills it; that exit then shows as not injected.
    terminate: (index) => signalAndWait(index, 'SIGTERM', 15_000),
    pause: (index) => void children[index]?.kill('SIGSTOP'),
    resume: (index) => void children[index]?.kill('SIGCONT'),
    restart: (index) => launch(index),
    async revive() {
      const down = children.flatMap((child, index) =>
        child && (child.exitCode !== null || child.signalCode !== null) ? [index] : [],
      );
      await Promise.all(down.map((index) => launch(index)));
    },
    async stop() {
      await Promise.all(
        children.map((child, index) => {
          if (!child) return Promise.resolve();
          child.kill('SIGCONT');
          return signalAndWait(index, 'SIGKILL', 5000);
        }),
      );
    },
  };
}
