import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageNew } from '@parley/protocol';
import {
  connectUser,
  databaseKinds,
  eventually,
  expectOk,
  startTestServer,
  uniqueName,
  type TestServer,
} from '../test-support/index.js';
import { laneOf } from './write-queue.js';

const kinds = await databaseKinds();

describe.each(kinds)('messages on %s', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ kind });
  });
  afterAll(async () => {
    await server.close();
  });

  async function roomWithMembers(count: number) {
    const users = await Promise.all(Array.from({ length: count }, () => connectUser(server)));
    const [owner] = users;
    if (!owner) throw new Error('no users');
    const { room } = expectOk(await owner.client.request('room:create', { name: uniqueName('r'), capacity: 50 }));
    for (const u of users.slice(1)) expectOk(await u.client.request('room:join', { roomId: room.id }));
    return { room, users, owner };
  }

  it('stores a retried clientMsgId once and broadcasts it once', async () => {
    const { room, users, owner } = await roomWithMembers(2);
    const packets: MessageNew[] = [];
    users[1]?.client.on('message:new', (p) => packets.push(p));
    const clientMsgId = randomUUID();
    const first = expectOk(await owner.client.request('message:send', { roomId: room.id, clientMsgId, body: 'once' }));
    const again = expectOk(
      await owner.client.request('message:send', { roomId: room.id, clientMsgId, body: 'changed on retry' }),
    );
    expect(again.message).toEqual(first.message);
    const history = expectOk(await owner.client.request('room:history', { roomId: room.id }));
    expect(history.messages.map((m) => m.body)).toEqual(['once']);
    await eventually(() => (packets.length > 0 ? true : undefined));
    await new Promise((r) => setTimeout(r, 150));
    expect(packets.flatMap((p) => p.messages).map((m) => m.id)).toEqual([first.message.id]);
    for (const u of users) u.client.close();
  });

  it('stores one message when the same clientMsgId is sent concurrently', async () => {
    const { room, users, owner } = await roomWithMembers(1);
    const clientMsgId = randomUUID();
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        owner.client.request('message:send', { roomId: room.id, clientMsgId, body: 'race' }),
      ),
    );
    const ids = new Set(answers.map((a) => expectOk(a).message.id));
    expect(ids.size).toBe(1);
    const history = expectOk(await owner.client.request('room:history', { roomId: room.id }));
    expect(history.messages).toHaveLength(1);
    expect(history.messages[0]?.seq).toBe(1);
    // The repeats took no seq: the next message is 2, with no gap.
    expect(expectOk(await owner.client.sendMessage(room.id, 'next')).message.seq).toBe(2);
    for (const u of users) u.client.close();
  });

  it('gives 100 concurrent sends from several clients seq 1..100 with no gap or duplicate', async () => {
    const { room, users } = await roomWithMembers(4);
    const watcher = users[0];
    if (!watcher) throw new Error('no watcher');
    const delivered: number[] = [];
    watcher.client.on('message:new', (p) => delivered.push(...p.messages.map((m) => m.seq)));
    const sends = Array.from({ length: 100 }, (_, i) => users[i % users.length]!.client.sendMessage(room.id, `c${i}`));
    const results = await Promise.all(sends);
    const seqs = results.map((r) => expectOk(r).message.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    const history = expectOk(await watcher.client.request('room:join', { roomId: room.id, sinceSeq: 0 }));
    expect(history.messages.map((m) => m.seq)).toEqual(seqs);
    expect(new Set(history.messages.map((m) => m.clientMsgId)).size).toBe(100);
    await eventually(() => (delivered.length >= 100 ? true : undefined));
    expect([...delivered].sort((a, b) => a - b)).toEqual(seqs);
    for (const u of users) u.client.close();
  });

  it('gives concurrent sends into rooms of both write lanes gap-free seqs, delivered per room in seq order', async () => {
    const [member, watcher] = await Promise.all([connectUser(server), connectUser(server)]);
    // PostgreSQL writes rooms of different lanes side by side (write-queue.ts): two rooms on each.
    const rooms: string[] = [];
    // Room ids are random, so it may take more rooms than one user may create in an hour
    // (ROOMS_PER_USER_PER_HOUR): each is created by a user of its own.
    while ([0, 1].some((lane) => rooms.filter((id) => laneOf(id, 2) === lane).length < 2)) {
      const creator = await connectUser(server);
      const { room } = expectOk(
        await creator.client.request('room:create', { name: uniqueName('lane'), capacity: 50 }),
      );
      creator.client.close();
      expectOk(await member.client.request('room:join', { roomId: room.id }));
      expectOk(await watcher.client.request('room:join', { roomId: room.id }));
      rooms.push(room.id);
    }
    const delivered = new Map<string, number[]>(rooms.map((id) => [id, []]));
    watcher.client.on('message:new', (p) => delivered.get(p.roomId)?.push(...p.messages.map((m) => m.seq)));
    const perRoom = 20;
    const sends = Array.from({ length: perRoom * rooms.length }, (_, i) =>
      (i % 2 === 0 ? member : watcher).client.sendMessage(rooms[i % rooms.length]!, `m${i}`),
    );
    const results = (await Promise.all(sends)).map((r) => expectOk(r).message);
    const expected = Array.from({ length: perRoom }, (_, i) => i + 1);
    for (const id of rooms) {
      expect(
        results
          .filter((m) => m.roomId === id)
          .map((m) => m.seq)
          .sort((a, b) => a - b),
      ).toEqual(expected);
    }
    await eventually(() => (rooms.every((id) => delivered.get(id)!.length >= perRoom) ? true : undefined));
    for (const id of rooms) expect(delivered.get(id)).toEqual(expected);
    member.client.close();
    watcher.client.close();
  });

  it('decides a batch of mixed sends in arrival order: members only, replies in the room, repeats answered, mentions resolved, seq without gaps', async () => {
    const { room, users, owner } = await roomWithMembers(2);
    const other = users[1]!;
    const { room: elsewhere } = expectOk(await other.client.request('room:create', { name: uniqueName('else') }));
    const there = expectOk(await other.client.sendMessage(elsewhere.id, 'in another room')).message;
    const { room: closed } = expectOk(await other.client.request('room:create', { name: uniqueName('closed') }));
    expectOk(await owner.client.sendMessage(room.id, 'before'));
    const earlier = expectOk(
      await owner.client.request('message:send', { roomId: room.id, clientMsgId: randomUUID(), body: 'earlier' }),
    ).message;
    const repeatedId = randomUUID();
    const send = (roomId: string, body: string, extra: { clientMsgId?: string; replyTo?: string } = {}) =>
      owner.client.request('message:send', { roomId, clientMsgId: extra.clientMsgId ?? randomUUID(), body, ...extra });
    // Sent without waiting: they reach the write queue together and are decided as one batch
    // (or several: the outcomes must be the same either way).
    const answers = await Promise.all([
      send(room.id, 'plain', { clientMsgId: repeatedId }),
      send(room.id, `hi @${other.user.username.toUpperCase()} and @${other.user.username}. and @nobody_here`),
      send(room.id, 'a reply', { replyTo: earlier.id }),
      send(room.id, 'a reply across rooms', { replyTo: there.id }),
      send(room.id, 'plain, sent twice', { clientMsgId: repeatedId }),
      send(room.id, 'earlier, retried', { clientMsgId: earlier.clientMsgId }),
      send(closed.id, 'not a member'),
      send('no-such-room', 'nowhere'),
    ]);
    const [plain, mention, reply, across, twice, retried, outsider, nowhere] = answers;
    expect(expectOk(plain).message).toMatchObject({ seq: 3, version: 3, body: 'plain' });
    expect(expectOk(mention).message).toMatchObject({ seq: 4, mentions: [other.user] });
    expect(expectOk(reply).message).toMatchObject({
      seq: 5,
      replyTo: { id: earlier.id, seq: earlier.seq, sender: owner.user, excerpt: 'earlier' },
    });
    expect(across).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(expectOk(twice).message).toEqual(expectOk(plain).message);
    expect(expectOk(retried).message).toEqual(earlier);
    expect(outsider).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(nowhere).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const history = expectOk(await owner.client.request('room:history', { roomId: room.id }));
    expect(history.messages.map((m) => [m.seq, m.body])).toEqual([
      [1, 'before'],
      [2, 'earlier'],
      [3, 'plain'],
      [4, expectOk(mention).message.body],
      [5, 'a reply'],
    ]);
    expect(history.messages[3]?.mentions).toEqual([other.user]);
    // The batch's new messages are searchable as soon as they are acknowledged; refused ones are not.
    const found = expectOk(await owner.client.request('message:search', { query: 'reply', roomId: room.id }));
    expect(found.messages.map((m) => m.body)).toEqual(['a reply']);
    // The next send goes on from the last seq and version.
    expect(expectOk(await owner.client.sendMessage(room.id, 'next')).message).toMatchObject({ seq: 6, version: 6 });
    for (const u of users) u.client.close();
  });

  it("delivers message:new to the room's members, the sender's other connections included, and to no one else", async () => {
    const { room, owner, users } = await roomWithMembers(2);
    const ownerSecond = await connectUser(server, { token: owner.token });
    const outsider = await connectUser(server);
    const got = { second: 0, member: 0, outsider: 0 };
    ownerSecond.client.on('message:new', () => (got.second += 1));
    users[1]?.client.on('message:new', () => (got.member += 1));
    outsider.client.on('message:new', () => (got.outsider += 1));
    expectOk(await owner.client.sendMessage(room.id, 'to all members'));
    await eventually(() => (got.second === 1 && got.member === 1 ? true : undefined));
    await new Promise((r) => setTimeout(r, 100));
    expect(got.outsider).toBe(0);
    for (const u of [...users, ownerSecond, outsider]) u.client.close();
  });

  it('refuses to post into a room the sender is not a member of, or that does not exist', async () => {
    const { room, users } = await roomWithMembers(1);
    const stranger = await connectUser(server);
    const forbidden = await stranger.client.sendMessage(room.id, 'let me in');
    expect(forbidden).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const missing = await stranger.client.sendMessage('no-such-room', 'hello?');
    expect(missing).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    for (const u of [...users, stranger]) u.client.close();
  });

  it('refuses an empty or over-long body with a clear error', async () => {
    const { room, users, owner } = await roomWithMembers(1);
    const empty = await owner.client.sendMessage(room.id, '   ');
    expect(empty).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    if (!empty.ok) expect(empty.error.message).toMatch(/^body/);
    const long = await owner.client.sendMessage(room.id, 'x'.repeat(4001));
    expect(long).toMatchObject({ ok: false, error: { code: 'TOO_LARGE' } });
    expectOk(await owner.client.sendMessage(room.id, 'y'.repeat(4000)));
    for (const u of users) u.client.close();
  });
});
