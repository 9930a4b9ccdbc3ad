import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectUser,
  expectOk,
  startTestServer,
  uniqueName,
  type TestServer,
  type TestUser,
} from '../test-support/index.js';
import { roomChannel, userChannel } from '../realtime/fanout.js';

/*
 * Issue 17: a member's re-join reads and writes nothing it need not, and re-joins of one room
 * share their catch-up (rooms/catch-up-memo.ts) without ever answering from an older state.
 */
describe('re-joining a room (issue 17)', () => {
  let server: TestServer;
  const users: TestUser[] = [];
  beforeAll(async () => {
    server = await startTestServer({ kind: 'sqlite' });
  });
  afterAll(async () => {
    for (const user of users) user.client.close();
    await server.close();
  });

  const user = async (token?: string) => {
    const created = await connectUser(server, token ? { token } : {});
    users.push(created);
    return created;
  };

  /**
   * Runs `during` while another connection holds SQLite's write lock: a statement of the server
   * that needs the lock waits out busy_timeout and fails, so an answer that arrives needed none.
   */
  async function withoutWrites<T>(during: () => Promise<T>): Promise<T> {
    const other = new SQLite(path.join(server.config.dataDir, 'parley.db'));
    other.pragma('busy_timeout = 0');
    other.exec('BEGIN IMMEDIATE');
    try {
      return await during();
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  }

  it('needs no write for a member (the write lock held elsewhere), and answers every re-join with the room as it is now', async () => {
    const owner = await user();
    const member = await user();
    const { room } = expectOk(await owner.client.request('room:create', { name: uniqueName('re'), topic: '' }));
    expectOk(await member.client.request('room:join', { roomId: room.id }));
    const sent = [];
    for (const body of ['one', 'two', 'three'])
      sent.push(expectOk(await owner.client.sendMessage(room.id, body)).message);
    const sinceSeq = sent[0]!.seq;

    // A second connection of the same user, as after a crash: the same state, the same answer.
    const again = await user(member.token);
    const [first, second] = await withoutWrites(async () => [
      expectOk(await member.client.request('room:join', { roomId: room.id, sinceSeq })),
      expectOk(await again.client.request('room:join', { roomId: room.id, sinceSeq })),
    ]);
    expect(first.messages.map((m) => m.body)).toEqual(['two', 'three']);
    expect(second.messages).toEqual(first.messages);
    expect(second.room.memberCount).toBe(2);

    // An edit, a reaction, a delete and a new message each change what a re-join answers.
    expectOk(await owner.client.request('message:edit', { messageId: sent[1]!.id, body: 'two, fixed' }));
    const edited = expectOk(await again.client.request('room:join', { roomId: room.id, sinceSeq }));
    expect(edited.messages.map((m) => m.body)).toEqual(['two, fixed', 'three']);
    expectOk(await member.client.request('reaction:set', { messageId: sent[2]!.id, emoji: '👍', on: true }));
    const reacted = expectOk(await again.client.request('room:join', { roomId: room.id, sinceSeq }));
    expect(reacted.messages[1]!.reactions.map((r) => r.emoji)).toEqual(['👍']);
    expectOk(await owner.client.request('message:delete', { messageId: sent[2]!.id }));
    const deleted = expectOk(await again.client.request('room:join', { roomId: room.id, sinceSeq }));
    expect(deleted.messages[1]!.deletedAt).toBeDefined();
    expectOk(await owner.client.sendMessage(room.id, 'four'));
    const more = expectOk(await again.client.request('room:join', { roomId: room.id, sinceSeq }));
    expect(more.messages.map((m) => m.seq)).toEqual([sent[1]!.seq, sent[2]!.seq, sent[2]!.seq + 1]);
  });

  it("subscribes the connection that re-joins, even one whose handshake missed the room's subscription", async () => {
    const owner = await user();
    const member = await user();
    const { room } = expectOk(await owner.client.request('room:create', { name: uniqueName('sub'), topic: '' }));
    expectOk(await member.client.request('room:join', { roomId: room.id }));
    // As if its handshake had read the user's rooms just before the join that added this one.
    server.app.io.in(userChannel(member.user.id)).socketsLeave(roomChannel(room.id));
    const { messages } = expectOk(await member.client.request('room:join', { roomId: room.id, sinceSeq: 0 }));
    expect(messages).toEqual([]);
    const live = new Promise<string>((resolve) =>
      member.client.on('message:new', (event) => resolve(event.messages[0]!.body)),
    );
    expectOk(await owner.client.sendMessage(room.id, 'after the re-join'));
    expect(await live).toBe('after the re-join');
  });

  it("answers every re-join with the room's members and settings as they are now, whatever changed them", async () => {
    const owner = await user();
    const member = await user();
    const { room } = expectOk(await owner.client.request('room:create', { name: uniqueName('view'), topic: '' }));
    expectOk(await member.client.request('room:join', { roomId: room.id }));
    const rejoin = async () => expectOk(await member.client.request('room:join', { roomId: room.id, sinceSeq: 0 }));
    const roster = (answer: Awaited<ReturnType<typeof rejoin>>) =>
      answer.members.map((m) => `${m.username}:${m.role}`).sort();
    const first = await rejoin();
    // Kept now: the same answer again, without reading (the write lock is held elsewhere).
    expect(await withoutWrites(rejoin)).toEqual(first);

    const third = await user();
    expectOk(await third.client.request('room:join', { roomId: room.id }));
    const joined = await rejoin();
    expect(joined.room.memberCount).toBe(3);
    expect(joined.members.map((m) => m.id)).toContain(third.user.id);

    expectOk(
      await owner.client.request('room:role', { roomId: room.id, username: third.user.username, role: 'moderator' }),
    );
    expect(roster(await rejoin())).toContain(`${third.user.username}:moderator`);

    expectOk(await owner.client.request('room:update', { roomId: room.id, topic: 'new topic' }));
    expect((await rejoin()).room.topic).toBe('new topic');

    expectOk(await owner.client.request('room:kick', { roomId: room.id, username: third.user.username }));
    const kicked = await rejoin();
    expect(kicked.room.memberCount).toBe(2);
    expect(kicked.members.map((m) => m.id)).not.toContain(third.user.id);

    expectOk(await third.client.request('room:join', { roomId: room.id }));
    expectOk(await owner.client.request('room:ban', { roomId: room.id, username: third.user.username, banned: true }));
    expect((await rejoin()).members.map((m) => m.id)).not.toContain(third.user.id);

    // Another process (the admin command, a second server on the file) changes the room.
    const other = new SQLite(path.join(server.config.dataDir, 'parley.db'));
    try {
      other.prepare('update rooms set topic = ? where id = ?').run('changed elsewhere', room.id);
    } finally {
      other.close();
    }
    expect((await rejoin()).room.topic).toBe('changed elsewhere');

    // The owner hands the room over, then leaves: the roster says so.
    expectOk(
      await owner.client.request('room:role', { roomId: room.id, username: member.user.username, role: 'owner' }),
    );
    expect(roster(await rejoin())).toEqual(
      [`${member.user.username}:owner`, `${owner.user.username}:moderator`].sort(),
    );
    expectOk(await owner.client.request('room:leave', { roomId: room.id }));
    const left = await rejoin();
    expect(left.room.memberCount).toBe(1);
    expect(roster(left)).toEqual([`${member.user.username}:owner`]);
  });

  it('still adds a newcomer, and tells the room', async () => {
    const owner = await user();
    const newcomer = await user();
    const { room } = expectOk(await owner.client.request('room:create', { name: uniqueName('new'), topic: '' }));
    const joined = new Promise((resolve) =>
      owner.client.on('room:member', (event) => event.change === 'joined' && resolve(event.user.id)),
    );
    const answer = expectOk(await newcomer.client.request('room:join', { roomId: room.id }));
    expect(answer.room.memberCount).toBe(2);
    expect(answer.members.map((m) => m.id).sort()).toEqual([owner.user.id, newcomer.user.id].sort());
    expect(await joined).toBe(newcomer.user.id);
  });
});
