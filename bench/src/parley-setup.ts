import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ParleyClient, ParleyError, register } from '@parley/sdk';

/** Accounts and rooms for a run, made through the SDK the way any integrator would. */
export interface BenchUser {
  token: string;
  username: string;
}

const PASSWORD = 'bench-password-not-secret';

async function pool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

/**
 * Registering hashes a password with argon2id (~30 ms of server CPU each): a run registers a
 * few users and spreads many connections over them rather than registering thousands.
 */
export function registerUsers(url: string, count: number): Promise<BenchUser[]> {
  const run = randomBytes(3).toString('hex');
  return pool(count, 4, async (i) => {
    const username = `b${run}_${i}`;
    const { token } = await registerPatiently(url, username);
    return { token, username };
  });
}

/**
 * The server sheds password hashing it cannot start soon with UNAVAILABLE and a retry delay (on
 * a busy machine the set-up meets it): the set-up waits as told, as a client would.
 */
async function registerPatiently(url: string, username: string): Promise<{ token: string }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await register(url, username, PASSWORD);
    } catch (err) {
      if (!(err instanceof ParleyError) || err.code !== 'UNAVAILABLE' || attempt >= 20) throw err;
      await sleep(err.retryAfterMs ?? 1000);
    }
  }
}

async function withClient<T>(url: string, token: string, task: (client: ParleyClient) => Promise<T>): Promise<T> {
  const client = await ParleyClient.connect({ url, token, transports: ['websocket'] });
  try {
    return await task(client);
  } finally {
    client.close();
  }
}

/** Creates a room (its creator joins it) and returns its id. */
export function createRoom(url: string, token: string, name: string, capacity: number): Promise<string> {
  return withClient(url, token, async (client) => {
    const result = await client.request('room:create', { name, capacity });
    if (!result.ok) throw new Error(`room:create: ${result.error.code} ${result.error.message}`);
    return result.room.id;
  });
}

/** Makes every user a member: membership is per user, so all of a user's later connections get the room. */
export async function joinRoom(url: string, users: BenchUser[], roomId: string): Promise<void> {
  await pool(users.length, 8, (i) =>
    withClient(url, users[i]?.token ?? '', async (client) => {
      const result = await client.request('room:join', { roomId });
      if (!result.ok) throw new Error(`room:join: ${result.error.code} ${result.error.message}`);
    }),
  );
}

/** One room per user, each created by its only member: clients of different rooms share no user. */
export function roomPerUser(url: string, users: BenchUser[], capacity: number): Promise<string[]> {
  return pool(users.length, 8, (i) => createRoom(url, users[i]?.token ?? '', `bench-${i}`, capacity));
}
