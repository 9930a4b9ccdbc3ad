import { randomUUID } from 'node:crypto';
import type { User } from '@parley/protocol';
import { ParleyClient, register } from '@parley/sdk';
import type { TestServer } from './server.js';

export type Transport = 'websocket' | 'polling';

export interface TestUser {
  user: User;
  token: string;
  client: ParleyClient;
}

export const TEST_PASSWORD = 'correct horse battery';

export function uniqueName(prefix = 'u'): string {
  return `${prefix}_${randomUUID().slice(0, 8)}`;
}

/** Registers a fresh user over HTTP and connects them with the SDK. */
export async function connectUser(
  server: TestServer,
  options: { transport?: Transport; username?: string; token?: string } = {},
): Promise<TestUser> {
  const auth = options.token
    ? { user: { id: '', username: options.username ?? '' }, token: options.token }
    : await register(server.url, options.username ?? uniqueName(), TEST_PASSWORD);
  const client = await ParleyClient.connect({
    url: server.url,
    token: auth.token,
    transports: options.transport ? [options.transport] : ['websocket'],
    ackTimeoutMs: 5000,
    reconnectionDelayMs: 100,
    reconnectionDelayMaxMs: 500,
  });
  return { user: auth.user, token: auth.token, client };
}

/** Resolves with the first value `check` returns that is not undefined, polling until it does. */
export async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Unwraps an ok AckResult or fails the test with the error it carried. */
export function expectOk<T extends { ok: boolean }>(result: T): Extract<T, { ok: true }> {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  return result as Extract<T, { ok: true }>;
}
