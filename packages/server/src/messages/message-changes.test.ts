import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REACTION_USERS_SHOWN, REACTIONS_PER_MESSAGE_MAX, type Message, type MessageUpdate } from '@parley/protocol';
import {
  connectUser,
  databaseKinds,
  eventually,
  expectOk,
  startTestServer,
  uniqueName,
  type TestServer,
  type TestUser,
} from '../test-support/index.js';

const kinds = await databaseKinds();

describe.each(kinds)('messages that change on %s', (kind) => {
  let server: TestServer;
  const opened: TestUser[] = [];
  beforeAll(async () => {
    server = await startTestServer({ kind });
  });
  afterAll(async () => {
    for (const u of opened) u.client.close();
    await server.close();
  });

  async function user() {
    const u = await connectUser(server);
    opened.push(u);
    return u;
  }

  async function roomOf(count: number) {
    const users = await Promise.all(Array.from({ length: count }, () => user()));
    const owner = users[0]!;
    const { room } = expectOk(await owner.client.request('room:create', { name: uniqueName('r') }));
    for (const u of users.slice(1)) expectOk(await u.client.request('room:join', { roomId: room.id }));
    return { room, users, owner, other: users[1]! };
  }

  const send = async (u: TestUser, roomId: string, body: string, replyTo?: string) =>
    expectOk(
      await u.client.request('message:send', {
        roomId,
        clientMsgId: randomUUID(),
        body,
        ...(replyTo ? { replyTo } : {}),
      }),
    ).message;

  it('gives every new message, edit, delete and reaction the next version of the room', async () => {
    const { room, owner, other } = await roomOf(2);
    const first = await send(owner, room.id, 'one');
    const second = await send(other, room.id, 'two');
    expect([first.version, second.version]).toEqual([1, 2]);
    expect(first.reactions).toEqual([]);
    const edited = expectOk(await owner.client.request('message:edit', { messageId: first.id, body: 'one, fixed' }));
    expect(edited.message).toMatchObject({ body: 'one, fixed', version: 3, seq: 1 });
    expect(edited.message.editedAt).toBeDefined();
    const reacted = expectOk(
      await owner.client.request('reaction:set', { messageId: second.id, emoji: '👍', on: true }),
    );
    expect(reacted.message.version).toBe(4);
    expect(reacted.message.reactions).toEqual([{ emoji: '👍', count: 1, users: [owner.user] }]);
    const deleted = expectOk(await other.client.request('message:delete', { messageId: second.id }));
    expect(deleted.message).toMatchObject({ body: '', version: 5, seq: 2, reactions: [] });
    expect(deleted.message.deletedAt).toBeDefined();
    // The next message takes the next version, and the next seq with no gap.
    expect(await send(owner, room.id, 'three')).toMatchObject({ seq: 3, version: 6 });
  });

  it('sends message:update to every member, coalesced, and never to outsiders', async () => {
    const { room, owner, other } = await roomOf(2);
    const outsider = await user();
    const updates: MessageUpdate[] = [];
    const leaked: MessageUpdate[] = [];
    other.client.on('message:update', (u) => updates.push(u));
    outsider.client.on('message:update', (u) => leaked.push(u));
    const m = await send(owner, room.id, 'react to me');
    await Promise.all(
      ['👍', '🎉', '❤️'].map((emoji) => owner.client.request('reaction:set', { messageId: m.id, emoji, on: true })),
    );
    const last = await eventually(() => {
      const seen = updates.flatMap((u) => u.messages).filter((x) => x.id === m.id);
      const top = seen.at(-1);
      return top && top.reactions.length === 3 ? top : undefined;
    });
    expect(last.reactions.map((r) => r.count)).toEqual([1, 1, 1]);
    for (const u of updates) expect(u.roomId).toBe(room.id);
    // Versions only rise within the updates a member receives.
    const versions = updates.flatMap((u) => u.messages.map((x) => x.version));
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    expect(leaked).toEqual([]);
  });

  it('lets only the author edit, and refuses non-members, unknown, deleted and malformed edits', async () => {
    const { room, owner, other } = await roomOf(2);
    const outsider = await user();
    const m = await send(owner, room.id, 'mine');
    const code = async (c: TestUser, payload: unknown) => {
      const answer = await c.client.request('message:edit', payload as never);
      return answer.ok ? 'ok' : answer.error.code;
    };
    expect(await code(other, { messageId: m.id, body: 'not yours' })).toBe('FORBIDDEN');
    expect(await code(outsider, { messageId: m.id, body: 'not a member' })).toBe('FORBIDDEN');
    expect(await code(owner, { messageId: 'no-such-message', body: 'x' })).toBe('NOT_FOUND');
    expect(await code(owner, { messageId: m.id, body: '   ' })).toBe('BAD_REQUEST');
    expect(await code(owner, { messageId: m.id })).toBe('BAD_REQUEST');
    expect(await code(owner, { messageId: m.id, body: 'x'.repeat(4001) })).toBe('TOO_LARGE');
    expectOk(await owner.client.request('message:delete', { messageId: m.id }));
    expect(await code(owner, { messageId: m.id, body: 'too late' })).toBe('NOT_FOUND');
    const history = expectOk(await owner.client.request('room:history', { roomId: room.id }));
    expect(history.messages[0]).toMatchObject({ body: '', seq: 1 });
  });

  it('lets the author delete (idempotently), and the room owner; not another member, not an outsider', async () => {
    const { room, owner, other, users } = await roomOf(3);
    const third = users[2]!;
    const outsider = await user();
    const m = await send(other, room.id, 'delete me');
    // A plain member may not delete someone else's message; an outsider may not touch it.
    expect(await third.client.request('message:delete', { messageId: m.id })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect(await outsider.client.request('message:delete', { messageId: m.id })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect(await other.client.request('message:delete', { messageId: 'nope' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expect(await other.client.request('message:delete', { messageId: 7 } as never)).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST' },
    });
    const first = expectOk(await other.client.request('message:delete', { messageId: m.id }));
    const again = expectOk(await other.client.request('message:delete', { messageId: m.id }));
    expect(again.message).toEqual(first.message);
    // The room's owner (its creator) deletes anyone's message there (mayModerate, wired to roles).
    const byThird = await send(third, room.id, 'moderated');
    const moderated = expectOk(await owner.client.request('message:delete', { messageId: byThird.id }));
    expect(moderated.message).toMatchObject({ id: byThird.id, body: '' });
    expect(moderated.message.deletedAt).toBeDefined();
  });

  it('sets reactions idempotently, for members only, and refuses what is not an emoji or too long', async () => {
    const { room, owner, other } = await roomOf(2);
    const outsider = await user();
    const m = await send(owner, room.id, 'react');
    const on = expectOk(await other.client.request('reaction:set', { messageId: m.id, emoji: '👍', on: true }));
    const twice = expectOk(await other.client.request('reaction:set', { messageId: m.id, emoji: '👍', on: true }));
    expect(twice.message).toEqual(on.message);
    expect(twice.message.reactions).toEqual([{ emoji: '👍', count: 1, users: [other.user] }]);
    expectOk(await owner.client.request('reaction:set', { messageId: m.id, emoji: '👍', on: true }));
    const off = expectOk(await other.client.request('reaction:set', { messageId: m.id, emoji: '👍', on: false }));
    expect(off.message.reactions).toEqual([{ emoji: '👍', count: 1, users: [owner.user] }]);
    const offAgain = expectOk(await other.client.request('reaction:set', { messageId: m.id, emoji: '👍', on: false }));
    expect(offAgain.message.version).toBe(off.message.version);
    const code = async (c: TestUser, payload: unknown) => {
      const answer = await c.client.request('reaction:set', payload as never);
      return answer.ok ? 'ok' : answer.error.code;
    };
    expect(await code(outsider, { messageId: m.id, emoji: '👍', on: true })).toBe('FORBIDDEN');
    expect(await code(owner, { messageId: m.id, emoji: '<b>hi</b>', on: true })).toBe('BAD_REQUEST');
    expect(await code(owner, { messageId: m.id, emoji: '👍', on: 'yes' })).toBe('BAD_REQUEST');
    expect(await code(owner, { messageId: m.id, emoji: '👍'.repeat(33), on: true })).toBe('TOO_LARGE');
    expect(await code(owner, { messageId: 'gone', emoji: '👍', on: true })).toBe('NOT_FOUND');
    expectOk(await owner.client.request('message:delete', { messageId: m.id }));
    expect(await code(other, { messageId: m.id, emoji: '🎉', on: true })).toBe('NOT_FOUND');
  });

  it('keeps counts exact while listing a bounded number of users, and bounds the emojis per message', async () => {
    const count = REACTION_USERS_SHOWN + 3;
    const { room, users, owner } = await roomOf(count);
    const m = await send(owner, room.id, 'popular');
    for (const u of users) expectOk(await u.client.request('reaction:set', { messageId: m.id, emoji: '🎉', on: true }));
    const [reaction] = expectOk(await owner.client.request('room:history', { roomId: room.id })).messages[0]!.reactions;
    expect(reaction).toMatchObject({ emoji: '🎉', count });
    expect(reaction?.users).toHaveLength(REACTION_USERS_SHOWN);
    const emojis = [
      '😀',
      '😁',
      '😂',
      '🤣',
      '😃',
      '😄',
      '😅',
      '😆',
      '😉',
      '😊',
      '😋',
      '😎',
      '😍',
      '😘',
      '🥰',
      '😗',
      '😙',
      '🥲',
      '😚',
    ];
    for (const emoji of emojis.slice(0, REACTIONS_PER_MESSAGE_MAX - 1)) {
      expectOk(await owner.client.request('reaction:set', { messageId: m.id, emoji, on: true }));
    }
    expect(await owner.client.request('reaction:set', { messageId: m.id, emoji: '🙃', on: true })).toMatchObject({
      ok: false,
      error: { code: 'TOO_LARGE' },
    });
  });

  it('resolves @mentions of members only, at send and at edit', async () => {
    const { room, owner, other } = await roomOf(2);
    const outsider = await user();
    const m = await send(
      owner,
      room.id,
      `hi @${other.user.username.toUpperCase()} and @${outsider.user.username}, mail me@example.com`,
    );
    expect(m.mentions).toEqual([other.user]);
    const history = expectOk(await other.client.request('room:history', { roomId: room.id }));
    expect(history.messages[0]?.mentions).toEqual([other.user]);
    const edited = expectOk(await owner.client.request('message:edit', { messageId: m.id, body: 'nobody now' }));
    expect(edited.message.mentions).toBeUndefined();
    const again = expectOk(
      await owner.client.request('message:edit', { messageId: m.id, body: `thanks @${other.user.username}.` }),
    );
    expect(again.message.mentions).toEqual([other.user]);
  });

  it('carries a reply with an excerpt of the message it answers, and refuses replies across rooms', async () => {
    const { room, owner, other } = await roomOf(2);
    const elsewhere = await roomOf(1);
    const long = 'q'.repeat(400);
    const question = await send(owner, room.id, long);
    const answer = await send(other, room.id, 'answer', question.id);
    expect(answer.replyTo).toMatchObject({ id: question.id, seq: question.seq, sender: owner.user });
    expect([...answer.replyTo!.excerpt].length).toBeLessThanOrEqual(140);
    const foreign = await elsewhere.owner.client.request('message:send', {
      roomId: elsewhere.room.id,
      clientMsgId: randomUUID(),
      body: 'reply across rooms',
      replyTo: question.id,
    });
    expect(foreign).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expectOk(await owner.client.request('message:delete', { messageId: question.id }));
    const history = expectOk(await other.client.request('room:history', { roomId: room.id }));
    const reply = history.messages.find((x: Message) => x.id === answer.id);
    expect(reply?.replyTo).toMatchObject({ id: question.id, excerpt: '' });
    const toDeleted = await other.client.request('message:send', {
      roomId: room.id,
      clientMsgId: randomUUID(),
      body: 'reply to a deleted one',
      replyTo: question.id,
    });
    expect(toDeleted).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('answers a retried send with the message as it stands, reactions and mentions included', async () => {
    const { room, owner, other } = await roomOf(2);
    const clientMsgId = randomUUID();
    const body = `ping @${other.user.username}`;
    const first = expectOk(await owner.client.request('message:send', { roomId: room.id, clientMsgId, body })).message;
    expectOk(await other.client.request('reaction:set', { messageId: first.id, emoji: '👀', on: true }));
    const again = expectOk(await owner.client.request('message:send', { roomId: room.id, clientMsgId, body })).message;
    expect(again).toMatchObject({ id: first.id, seq: first.seq, mentions: [other.user] });
    expect(again.reactions).toEqual([{ emoji: '👀', count: 1, users: [other.user] }]);
  });
});

describe('messages that change, too fast', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { RATE_LIMIT_PER_SEC: '5', RATE_LIMIT_BURST: '10' } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers RATE_LIMITED to a burst of edits, deletes and reactions', async () => {
    const alice = await connectUser(server);
    const { room } = expectOk(await alice.client.request('room:create', { name: uniqueName('r') }));
    const m = expectOk(await alice.client.sendMessage(room.id, 'hello')).message;
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        i % 3 === 0
          ? alice.client.request('message:edit', { messageId: m.id, body: `v${i}` })
          : i % 3 === 1
            ? alice.client.request('reaction:set', { messageId: m.id, emoji: '👍', on: i % 2 === 0 })
            : alice.client.request('message:delete', { messageId: 'none' }),
      ),
    );
    const limited = answers.filter((a) => !a.ok && a.error.code === 'RATE_LIMITED');
    expect(limited.length).toBeGreaterThan(0);
    alice.client.close();
  });
});
