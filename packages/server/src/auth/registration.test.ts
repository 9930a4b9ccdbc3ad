import { PassThrough } from 'node:stream';
import { ParleyClient, login, register } from '@parley/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdmin } from '../admin/admin.js';
import { runCommand } from '../admin/commands.js';
import { createLogger } from '../log.js';
import { freshAddress, postFrom } from '../test-support/from-address.js';
import { TEST_PASSWORD, eventually, startTestServer, uniqueName, type TestServer } from '../test-support/index.js';

const registerFrom = (server: TestServer, body: Record<string, unknown>, from = freshAddress()) =>
  postFrom(from, `${server.url}/api/auth/register`, { username: uniqueName('r'), password: TEST_PASSWORD, ...body });

function expectRefusal(answer: { status: number; body: unknown }, status: number, code: string, reason: string) {
  expect(answer.status).toBe(status);
  expect(answer.body).toMatchObject({ error: { code, reason } });
}

/** Runs `npm run admin -- …` in-process against the server's configuration. */
async function admin(server: TestServer, args: string[], stdin = ''): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const input = new PassThrough();
  input.end(stdin);
  const [command, ...rest] = args;
  const code = await runCommand(command, rest, () => openAdmin(server.config, createLogger('silent')), server.config, {
    stdin: input,
    out: (line) => out.push(line),
  });
  return { code, out };
}

describe('REGISTRATION=invite', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { REGISTRATION: 'invite' } });
  });
  afterAll(() => server.close());

  it('tells the mode, and refuses without a code, with an unknown one, an expired one and a used-up one', async () => {
    expect(await (await fetch(`${server.url}/api/auth/registration`)).json()).toEqual({ mode: 'invite' });
    expectRefusal(await registerFrom(server, {}), 403, 'FORBIDDEN', 'invite_required');
    expectRefusal(await registerFrom(server, { inviteCode: 'nosuchcode' }), 403, 'FORBIDDEN', 'invite_invalid');
    expect((await registerFrom(server, { inviteCode: 'bad code!' })).status).toBe(400);

    const { code, out } = await admin(server, ['invite:create', '--uses', '2', '--hours', '1']);
    expect(code).toBe(0);
    const invite = out[0] as string;
    expect((await registerFrom(server, { inviteCode: invite })).status).toBe(201);
    expect((await registerFrom(server, { inviteCode: invite })).status).toBe(201);
    expectRefusal(await registerFrom(server, { inviteCode: invite }), 403, 'FORBIDDEN', 'invite_used_up');

    const expiring = (await admin(server, ['invite:create'])).out[0] as string;
    await server.database.db
      .updateTable('invites')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .execute();
    expectRefusal(await registerFrom(server, { inviteCode: expiring }), 403, 'FORBIDDEN', 'invite_expired');
  });

  it('a taken username gives the invite use back (CONFLICT with its own reason)', async () => {
    const taken = uniqueName('t');
    const first = (await admin(server, ['invite:create'])).out[0] as string;
    expect((await registerFrom(server, { username: taken, inviteCode: first })).status).toBe(201);
    const second = (await admin(server, ['invite:create'])).out[0] as string;
    expectRefusal(
      await registerFrom(server, { username: taken, inviteCode: second }),
      409,
      'CONFLICT',
      'username_taken',
    );
    expect((await registerFrom(server, { inviteCode: second })).status).toBe(201);
  });

  it('administrators create invites over HTTP; others are refused admin_only', async () => {
    const adminName = uniqueName('a');
    expect(
      (await admin(server, ['user:create', adminName, '--admin', '--password-stdin'], `${TEST_PASSWORD}\n`)).code,
    ).toBe(0);
    const session = await login(server.url, adminName, TEST_PASSWORD);
    const made = await fetch(`${server.url}/api/invites`, {
      method: 'POST',
      headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ maxUses: 1 }),
    });
    expect(made.status).toBe(201);
    const { invite } = (await made.json()) as { invite: { code: string } };
    const member = await register(server.url, uniqueName('m'), TEST_PASSWORD, invite.code);
    const refused = await fetch(`${server.url}/api/invites`, {
      method: 'POST',
      headers: { authorization: `Bearer ${member.token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: { code: 'FORBIDDEN', reason: 'admin_only' } });
    expect((await fetch(`${server.url}/api/invites`, { method: 'POST' })).status).toBe(401);
  });
});

describe('REGISTRATION=closed and the admin command', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      env: { REGISTRATION: 'closed', REGISTER_PER_IP_PER_HOUR: '3', SESSION_CHECK_MS: '200' },
    });
  });
  afterAll(() => server.close());

  it('refuses every registration, and too many attempts from one address are RATE_LIMITED first', async () => {
    const from = freshAddress();
    for (let i = 0; i < 3; i += 1)
      expectRefusal(await registerFrom(server, {}, from), 403, 'FORBIDDEN', 'registration_closed');
    const tooFast = await registerFrom(server, { inviteCode: 'guess' }, from);
    expect(tooFast.status).toBe(429);
    expect(tooFast.body).toMatchObject({ error: { code: 'RATE_LIMITED' } });
  });

  it('user:create takes the password from stdin only; the user signs in', async () => {
    const name = uniqueName('c');
    await expect(admin(server, ['user:create', name, '--password', TEST_PASSWORD])).rejects.toThrow(
      /never taken as arguments/,
    );
    await expect(admin(server, ['user:create', name])).rejects.toThrow(/--password-stdin/);
    await expect(admin(server, ['user:create', name, '--password-stdin'], 'short\n')).rejects.toThrow(/bad password/);
    expect((await admin(server, ['user:create', name, '--password-stdin'], `${TEST_PASSWORD}\n`)).code).toBe(0);
    await expect(admin(server, ['user:create', name, '--password-stdin'], `${TEST_PASSWORD}\n`)).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect((await login(server.url, name, TEST_PASSWORD)).user.username).toBe(name);
    const listed = (await admin(server, ['user:list'])).out;
    expect(listed.some((line) => line.startsWith(`${name}\tuser\tactive\t1\t`))).toBe(true);
  });

  it('user:reset-password signs the user out everywhere: sessions gone, open sockets closed', async () => {
    const name = uniqueName('p');
    await admin(server, ['user:create', name, '--password-stdin'], `${TEST_PASSWORD}\n`);
    const session = await login(server.url, name, TEST_PASSWORD);
    const client = await ParleyClient.connect({ url: server.url, token: session.token, transports: ['websocket'] });
    const polling = await ParleyClient.connect({ url: server.url, token: session.token, transports: ['polling'] });
    const statuses: string[] = [];
    client.onStatus((s) => statuses.push(s));
    polling.onStatus((s) => statuses.push(`polling ${s}`));
    expect(
      (await admin(server, ['user:reset-password', name, '--password-stdin'], 'a brand new password\n')).code,
    ).toBe(0);
    await eventually(
      () => (statuses.includes('closed') && statuses.includes('polling closed') ? true : undefined),
      10_000,
    );
    await expect(login(server.url, name, TEST_PASSWORD)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect((await login(server.url, name, 'a brand new password')).user.username).toBe(name);
    client.close();
    polling.close();
  });

  it('user:disable refuses sign-in with account_disabled and closes open sockets', async () => {
    const name = uniqueName('d');
    await admin(server, ['user:create', name, '--password-stdin'], `${TEST_PASSWORD}\n`);
    const session = await login(server.url, name, TEST_PASSWORD);
    const client = await ParleyClient.connect({ url: server.url, token: session.token, transports: ['websocket'] });
    const statuses: string[] = [];
    client.onStatus((s) => statuses.push(s));
    expect((await admin(server, ['user:disable', name])).code).toBe(0);
    await eventually(() => (statuses.includes('closed') ? true : undefined), 10_000);
    await expect(login(server.url, name, TEST_PASSWORD)).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      reason: 'account_disabled',
    });
    await expect(login(server.url, name, 'wrong password!')).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      reason: undefined,
    });
    client.close();
  });
});
