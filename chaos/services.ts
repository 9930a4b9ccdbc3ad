import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import net from 'node:net';
import pg from 'pg';

/** The machine's PostgreSQL, used only to create and drop the run's own database. */
const ADMIN_POSTGRES_URL = process.env.PARLEY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Whatever happens to the suite (a timeout, a crash), no child it started outlives it. */
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** Spawns a child the suite owns: killed with the suite at the latest. */
export function spawnOwned(command: string, args: string[], options: SpawnOptions): ChildProcess {
  const child = spawn(command, args, options);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

let runStarted = Date.now();
export function startProgressClock(): void {
  runStarted = Date.now();
}

/** One progress line on stderr, with the seconds since the run began. */
export function progress(text: string): void {
  console.error(`chaos ${((Date.now() - runStarted) / 1000).toFixed(1)} s: ${text}`);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `test` every 100 ms until it holds or `ms` passes; answers whether it held. */
export async function waitUntil(test: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await test()) return true;
    await sleep(100);
  }
  return test();
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(500, () => socket.destroy());
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('close', () => resolve(false));
    socket.once('error', () => undefined);
  });
}

/** The run's own Redis: nothing persisted, so a restart starts empty, as after a crash. */
export interface OwnRedis {
  url: string;
  /** Kills Redis (SIGKILL), waits `downMs`, starts a fresh one on the same port. */
  restart(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    const started = spawnOwned(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    child = started;
    if (!(await waitUntil(() => connects(port), 10_000))) throw new Error(`redis-server did not listen on ${port}`);
  };
  const kill = () =>
    new Promise<void>((resolve) => {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null || running.signalCode !== null) return resolve();
      running.once('exit', () => resolve());
      running.kill('SIGKILL');
    });
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    async restart(downMs) {
      await kill();
      await sleep(downMs);
      await start();
    },
    stop: kill,
  };
}

/** What the checks need of a stored message. */
export interface StoredMessage {
  seq: number;
  clientMsgId: string;
  sender: { id: string };
}

/** The run's own PostgreSQL database, created here and dropped (forcibly) at the end. */
export interface OwnDatabase {
  name: string;
  /** Its URL through the given port (the run's PostgreSQL proxy). */
  urlVia(port: number): string;
  /** A room's stored messages after `sinceSeq`, read straight from the database (not through Parley). */
  messagesAfter(roomId: string, sinceSeq: number): Promise<StoredMessage[]>;
  drop(): Promise<void>;
}

async function admin<T>(task: (client: pg.Client) => Promise<T>, database?: string): Promise<T> {
  const url = new URL(ADMIN_POSTGRES_URL);
  if (database) url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await task(client);
  } finally {
    await client.end();
  }
}

export async function createOwnDatabase(): Promise<OwnDatabase> {
  const name = `parley_chaos_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  return {
    name,
    urlVia(port) {
      const url = new URL(ADMIN_POSTGRES_URL);
      url.port = String(port);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async messagesAfter(roomId, sinceSeq) {
      const { rows } = await admin(
        (c) =>
          c.query<{ seq: string; client_msg_id: string; sender_id: string }>(
            'SELECT seq, client_msg_id, sender_id FROM messages WHERE room_id = $1 AND seq > $2 ORDER BY seq',
            [roomId, sinceSeq],
          ),
        name,
      );
      return rows.map((r) => ({ seq: Number(r.seq), clientMsgId: r.client_msg_id, sender: { id: r.sender_id } }));
    },
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** The port of the machine's PostgreSQL, which the run's proxy forwards to. */
export const postgresPort = (): number => Number(new URL(ADMIN_POSTGRES_URL).port || 5432);
