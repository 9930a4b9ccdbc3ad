import { PassThrough } from 'node:stream';
import type { Message } from '@parley/protocol';
import { endSession, listSessions, login, logout } from '@parley/sdk';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdmin } from '../admin/admin.js';
import { runCommand } from '../admin/commands.js';
import { createLogger } from '../log.js';
import {
  TEST_PASSWORD,
  connectUser,
  databaseKinds,
  eventually,
  expectOk,
  startTestServer,
  uniqueName,
  type TestServer,
  type TestUser,
} from '../test-support/index.js';

/*
 * Issue 17 caches what a handshake looks up (the session's user, the user's room ids). A stale
 * entry must never let an ended session in, nor keep a connection in a room its user left. Each
 * test first connects with the token (so that the server has it cached), then ends or changes
 * what was cached, then connects again.
 */

const kinds = await databaseKinds();

/** A raw Socket.IO handshake with the token: resolves 'connected' or the refusal's message. */
function handshake(server: TestServer, token: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = io(server.url, { transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true });
    socket.on('connect', () => {
      socket.close();
      resolve('connected');
    });
    socket.on('connect_error', (error: Error) => {
      socket.close();
      resolve(error.message);
    });
  });
}

/** `npm run admin -- …` in-process: its own database connection, as the command's own process has. */
async function admin(server: TestServer, args: string[], stdin = ''): Promise<number> {
  const input = new PassThrough();
  input.end(stdin);
  const [command, ...rest] = args;
  return runCommand(command, rest, () => openAdmin(server.config, createLogger('silent')), server.config, {
    stdin: input,
    out: () => undefined,
  });
}

async function signedUpByAdmin(server: TestServer): Promise<{ name: string; token: string }> {
  const name = uniqueName('c');
  expect(await admin(server, ['user:create', name, '--password-stdin'], `${TEST_PASSWORD}\n`)).toBe(0);
  const { token } = await login(server.url, name, TEST_PASSWORD);
  return { name, token };
}

describe.each(kinds)('the handshake cache on %s never outlives what it caches', (kind) => {
  let server: TestServer;
  const users: TestUser[] = [];
  beforeAll(async () => {
    server = await startTestServer({ kind });
  });
  afterAll(async () => {
    for (const user of users) user.client.close();
    await server.close();
  });

  const user = async () => {
    const created = await connectUser(server);
    users.push(created);
    return created;
  };

  it('sign-out: the token connects no more', async () => {
    const alice = await user();
    expect(await handshake(server, alice.token)).toBe('connected');
    await logout(server.url, alice.token);
    expect(await handshake(server, alice.token)).toBe('UNAUTHORIZED');
    await expect(listSessions(server.url, alice.token)).rejects.toMatchObject({ status: 401 });
  });

  it('DELETE /api/sessions/:id: the ended session connects no more, the other one still does', async () => {
    const alice = await user();
    const phone = await login(server.url, alice.user.username, TEST_PASSWORD);
    expect(await handshake(server, phone.token)).toBe('connected');
    const target = (await listSessions(server.url, alice.token)).find((s) => !s.current);
    await endSession(server.url, target!.id, alice.token);
    expect(await handshake(server, phone.token)).toBe('UNAUTHORIZED');
    expect(await handshake(server, alice.token)).toBe('connected');
  });

  it('user:reset-password from the admin command (its own connection): no session of the user connects', async () => {
    const { name, token } = await signedUpByAdmin(server);
    expect(await handshake(server, token)).toBe('connected');
    expect(await admin(server, ['user:reset-password', name, '--password-stdin'], 'a brand new password\n')).toBe(0);
    expect(await handshake(server, token)).toBe('UNAUTHORIZED');
  });

  it('user:disable from the admin command: the account’s sessions connect no more', async () => {
    const { name, token } = await signedUpByAdmin(server);
    expect(await handshake(server, token)).toBe('connected');
    expect(await admin(server, ['user:disable', name])).toBe(0);
    expect(await handshake(server, token)).toBe('UNAUTHORIZED');
  });

  it('kick and ban: a later connection of the member is not subscribed to the room; a join is', async () => {
    const owner = await user();
    const member = await user();
    const { room: kickRoom } = expectOk(
      await owner.client.request('room:create', { name: uniqueName('k'), topic: '' }),
    );
    const { room: banRoom } = expectOk(await owner.client.request('room:create', { name: uniqueName('b'), topic: '' }));
    const { room: stayRoom } = expectOk(
      await owner.client.request('room:create', { name: uniqueName('s'), topic: '' }),
    );
    for (const room of [kickRoom, banRoom, stayRoom]) {
      expectOk(await member.client.request('room:join', { roomId: room.id }));
    }
    // The member's room ids are cached by this handshake.
    expect(await handshake(server, member.token)).toBe('connected');
    expectOk(await owner.client.request('room:kick', { roomId: kickRoom.id, username: member.user.username }));
    expectOk(
      await owner.client.request('room:ban', { roomId: banRoom.id, username: member.user.username, banned: true }),
    );
    const { room: joinedLater } = expectOk(
      await owner.client.request('room:create', { name: uniqueName('j'), topic: '' }),
    );
    // A join on one connection reaches the room ids a later connection starts with.
    expectOk(await member.client.request('room:join', { roomId: joinedLater.id }));

    const later = await connectUser(server, { token: member.token, username: member.user.username });
    users.push(later);
    const heard: Message[] = [];
    later.client.on('message:new', (p) => heard.push(...p.messages));
    expectOk(await owner.client.sendMessage(kickRoom.id, 'after the kick'));
    expectOk(await owner.client.sendMessage(banRoom.id, 'after the ban'));
    expectOk(await owner.client.sendMessage(joinedLater.id, 'in the room joined later'));
    expectOk(await owner.client.sendMessage(stayRoom.id, 'in the room kept'));
    await eventually(() => (heard.some((m) => m.body === 'in the room kept') ? true : undefined));
    expect(heard.map((m) => m.body).sort()).toEqual(['in the room joined later', 'in the room kept']);
  });

  it('leave: a later connection is not subscribed to the room left', async () => {
    const owner = await user();
    const member = await user();
    const { room: left } = expectOk(await owner.client.request('room:create', { name: uniqueName('l'), topic: '' }));
    const { room: kept } = expectOk(await owner.client.request('room:create', { name: uniqueName('k'), topic: '' }));
    for (const room of [left, kept]) expectOk(await member.client.request('room:join', { roomId: room.id }));
    expect(await handshake(server, member.token)).toBe('connected');
    expectOk(await member.client.request('room:leave', { roomId: left.id }));
    const later = await connectUser(server, { token: member.token, username: member.user.username });
    users.push(later);
    const heard: Message[] = [];
    later.client.on('message:new', (p) => heard.push(...p.messages));
    expectOk(await owner.client.sendMessage(left.id, 'after leaving'));
    expectOk(await owner.client.sendMessage(kept.id, 'in the room kept'));
    await eventually(() => (heard.some((m) => m.body === 'in the room kept') ? true : undefined));
    expect(heard.map((m) => m.body)).toEqual(['in the room kept']);
  });
});

describe('the handshake cache with two servers on one SQLite file', () => {
  let first: TestServer;
  let second: TestServer;
  beforeAll(async () => {
    first = await startTestServer({ kind: 'sqlite' });
    second = await startTestServer({ shareDataWith: first });
  });
  afterAll(async () => {
    await second.close();
    await first.close();
  });

  it('a sign-out on one is seen by the other at the next handshake', async () => {
    const alice = await connectUser(first);
    expect(await handshake(second, alice.token)).toBe('connected');
    await logout(first.url, alice.token);
    expect(await handshake(second, alice.token)).toBe('UNAUTHORIZED');
    alice.client.close();
  });
});
