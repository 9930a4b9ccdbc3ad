import { ParleyClient, ParleyError, login, register } from '@parley/sdk';

const PASSWORD = 'fuzz health password';

/** Two ordinary accounts and a room: what a normal user does is checked after every batch. */
export interface HealthAccounts {
  alice: { username: string; token: string };
  bob: { username: string; token: string };
  roomId: string;
}

export async function createHealthAccounts(url: string, suffix: string): Promise<HealthAccounts> {
  const alice = await register(url, `fuzz_alice_${suffix}`, PASSWORD);
  const bob = await register(url, `fuzz_bob_${suffix}`, PASSWORD);
  const client = await ParleyClient.connect({ url, token: alice.token, transports: ['websocket'] });
  try {
    const created = await client.request('room:create', { name: `fuzz health ${suffix}` });
    if (!created.ok) throw new Error(`room:create: ${created.error.code}`);
    return {
      alice: { username: alice.user.username, token: alice.token },
      bob: { username: bob.user.username, token: bob.token },
      roomId: created.room.id,
    };
  } finally {
    client.close();
  }
}

/**
 * Signs in as alice (HTTP), connects alice by WebSocket and bob by long-polling, joins both to
 * the room, and sees bob receive what alice sends. Returns what failed, or undefined.
 */
export async function checkHealth(url: string, accounts: HealthAccounts): Promise<string | undefined> {
  let aliceToken = accounts.alice.token;
  try {
    aliceToken = (await login(url, accounts.alice.username, PASSWORD)).token;
  } catch (error) {
    // A per-address login throttle tripped by the fuzzer's wrong passwords is a refusal, not a fault.
    if (!(error instanceof ParleyError && error.code === 'RATE_LIMITED')) return `sign-in failed: ${String(error)}`;
  }
  const clients: ParleyClient[] = [];
  try {
    const connectOptions = { url, ackTimeoutMs: 5000, reconnectionDelayMs: 100, reconnectionDelayMaxMs: 500 };
    const alice = await withTimeout(
      ParleyClient.connect({ ...connectOptions, token: aliceToken, transports: ['websocket'] }),
      'alice connect',
    );
    clients.push(alice);
    const bob = await withTimeout(
      ParleyClient.connect({ ...connectOptions, token: accounts.bob.token, transports: ['polling'] }),
      'bob connect',
    );
    clients.push(bob);
    for (const client of clients) {
      const joined = await client.joinRoom(accounts.roomId);
      if (!joined.ok) return `room:join: ${joined.error.code}`;
    }
    const text = `health ${Date.now()}`;
    const received = new Promise<void>((resolve) => {
      bob.onMessages((roomId, messages) => {
        if (roomId === accounts.roomId && messages.some((m) => m.body === text)) resolve();
      });
    });
    const sent = await alice.sendMessage(accounts.roomId, text);
    if (!sent.ok) return `message:send: ${sent.error.code}`;
    await withTimeout(received, 'bob to receive the message');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    for (const client of clients) client.close();
  }
}

function withTimeout<T>(promise: Promise<T>, what: string, ms = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
