import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParleyClient, ParleyError, login, logout, me, register } from '@parley/sdk';
import {
  TEST_PASSWORD,
  connectUser,
  databaseKinds,
  eventually,
  startTestServer,
  uniqueName,
} from '../test-support/index.js';
import type { TestServer } from '../test-support/index.js';

const kinds = await databaseKinds();

async function post(server: TestServer, path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json().catch(() => null)) as unknown,
  };
}

describe.each(kinds)('accounts on %s', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ kind, env: { LOGIN_MAX_FAILURES: '3' } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('registers a user, sets an HttpOnly session cookie, and answers /api/me', async () => {
    const username = uniqueName('Reg');
    const res = await post(server, '/api/auth/register', { username, password: TEST_PASSWORD });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ user: { username }, token: expect.any(String) as string });
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^parley_session=[^;]+;/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/);
    const viaCookie = await fetch(`${server.url}/api/me`, { headers: { cookie: cookie.split(';')[0] ?? '' } });
    expect(await viaCookie.json()).toEqual({ user: (res.body as { user: unknown }).user });
  });

  it('treats usernames case-insensitively: a name differing only in case is taken', async () => {
    const username = uniqueName('Case');
    await register(server.url, username, TEST_PASSWORD);
    const taken = await post(server, '/api/auth/register', {
      username: username.toUpperCase(),
      password: TEST_PASSWORD,
    });
    expect(taken).toMatchObject({ status: 409, body: { error: { code: 'CONFLICT' } } });
    const signedIn = await login(server.url, username.toLowerCase(), TEST_PASSWORD);
    expect(signedIn.user.username).toBe(username);
  });

  it('rejects bad registrations naming the field', async () => {
    const short = await post(server, '/api/auth/register', { username: uniqueName(), password: 'short' });
    expect(short).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST' } } });
    expect((short.body as { error: { message: string } }).error.message).toMatch(/^password/);
    const badName = await post(server, '/api/auth/register', { username: 'a b', password: TEST_PASSWORD });
    expect((badName.body as { error: { message: string } }).error.message).toMatch(/^username/);
    const notJson = await post(server, '/api/auth/register', '{nope');
    expect(notJson).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST' } } });
  });

  it('answers unknown user and wrong password with the same 401 body', async () => {
    const username = uniqueName('pw');
    await register(server.url, username, TEST_PASSWORD);
    const wrong = await post(server, '/api/auth/login', { username, password: 'not the password' });
    const unknown = await post(server, '/api/auth/login', { username: uniqueName('ghost'), password: 'whatever1' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) as string } });
  });

  it('throttles repeated failed logins for a username with RATE_LIMITED and retryAfterMs', async () => {
    const username = uniqueName('guess');
    await register(server.url, username, TEST_PASSWORD);
    for (let i = 0; i < 3; i += 1) {
      expect((await post(server, '/api/auth/login', { username, password: `guess-${i}-xx` })).status).toBe(401);
    }
    const limited = await post(server, '/api/auth/login', { username, password: TEST_PASSWORD });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    expect((limited.body as { error: { retryAfterMs: number } }).error.retryAfterMs).toBeGreaterThan(0);
    // Another account is not locked by this one's failures.
    const other = uniqueName('other');
    await register(server.url, other, TEST_PASSWORD);
    expect((await login(server.url, other, TEST_PASSWORD)).user.username).toBe(other);
  });

  it('stores only a hash of each session token and each password', async () => {
    const { token, user } = await register(server.url, uniqueName('hash'), TEST_PASSWORD);
    const sessions = await server.database.db
      .selectFrom('sessions')
      .selectAll()
      .where('user_id', '=', user.id)
      .execute();
    expect(sessions).toHaveLength(1);
    expect(JSON.stringify(sessions)).not.toContain(token);
    const row = await server.database.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirst();
    expect(row?.password_hash).toMatch(/^\$argon2id\$/);
    expect(JSON.stringify(row)).not.toContain(TEST_PASSWORD);
  });

  it('refuses an expired session everywhere', async () => {
    const { token, user } = await register(server.url, uniqueName('old'), TEST_PASSWORD);
    await server.database.db
      .updateTable('sessions')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('user_id', '=', user.id)
      .execute();
    await expect(me(server.url, token)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(ParleyClient.connect({ url: server.url, token })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('logout revokes the session and disconnects its sockets, and only that session', async () => {
    const alice = await connectUser(server);
    const otherSession = await login(server.url, alice.user.username, TEST_PASSWORD);
    const other = await ParleyClient.connect({ url: server.url, token: otherSession.token });
    const statuses: string[] = [];
    alice.client.onStatus((s) => statuses.push(s));
    await logout(server.url, alice.token);
    await eventually(() => (statuses.includes('closed') ? true : undefined));
    expect(alice.client.connected).toBe(false);
    await expect(me(server.url, alice.token)).rejects.toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
    await expect(ParleyClient.connect({ url: server.url, token: alice.token })).rejects.toBeInstanceOf(ParleyError);
    expect(other.connected).toBe(true);
    expect((await me(server.url, otherSession.token)).id).toBe(alice.user.id);
    other.close();
  });
});
