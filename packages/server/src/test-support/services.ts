import net from 'node:net';

export const TEST_POSTGRES_URL = process.env.PARLEY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.PARLEY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function reachable(url: string, fallbackPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || fallbackPort) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

const ports = { postgres: 5432, redis: 6379 } as const;
const urls = { postgres: TEST_POSTGRES_URL, redis: TEST_REDIS_URL } as const;

/**
 * Which of the named services answer. Under CI=true a missing service fails the run: an
 * integration test never passes by not running. Elsewhere it is left out, loudly.
 */
export async function requireServices<S extends keyof typeof ports>(...names: S[]): Promise<Record<S, boolean>> {
  const result = {} as Record<S, boolean>;
  for (const name of names) {
    const up = await reachable(urls[name], ports[name]);
    if (!up && process.env.CI === 'true') {
      throw new Error(`${name} is required in CI but does not answer at ${urls[name]}`);
    }
    if (!up) console.warn(`\n*** ${name} is not reachable at ${urls[name]}: its tests are left out of this run ***\n`);
    result[name] = up;
  }
  return result;
}

/** The database kinds this run covers: SQLite always, PostgreSQL when it answers (always in CI). */
export async function databaseKinds(): Promise<('sqlite' | 'postgres')[]> {
  const { postgres } = await requireServices('postgres');
  return postgres ? ['sqlite', 'postgres'] : ['sqlite'];
}
