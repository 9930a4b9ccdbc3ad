import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '@parley/protocol';
import type { ParleyClient } from '@parley/sdk';
import {
  TEST_REDIS_URL,
  connectUser,
  eventually,
  expectOk,
  requireServices,
  startTestServer,
  uniqueName,
  type TestServer,
} from '../test-support/index.js';

const services = await requireServices('postgres', 'redis');

/** A room's messages as a client holds them: by id, each in the highest version it saw. */
function trackRoom(client: ParleyClient, roomId: string, initial: Message[] = []) {
  const byId = new Map<string, Message>();
  const apply = (messages: Message[]) => {
    for (const m of messages) if ((byId.get(m.id)?.version ?? -1) < m.version) byId.set(m.id, m);
  };
  apply(initial);
  client.onMessages((r, m) => r === roomId && apply(m));
  client.onMessageChanges((r, m) => r === roomId && apply(m));
  return {
    apply,
    snapshot: () => [...byId.values()].sort((a, b) => a.seq - b.seq),
  };
}

const kinds = (['sqlite', 'postgres'] as const).filter((k) => k === 'sqlite' || services.postgres);

describe.each(kinds)('catch-up of changes on %s', (kind) => {
  let first: TestServer;
  let second: TestServer;
  beforeAll(async () => {
    const env: Record<string, string> = services.redis
      ? { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: uniqueName('test') }
      : {};
    first = await startTestServer({ kind, env });
    second = await startTestServer({ shareDataWith: first, env });
  });
  afterAll(async () => {
    await second.app.close();
    await first.close();
  });

  it('brings a member who was away to exactly the state of one who never left', async () => {
    const author = await connectUser(first);
    const { room } = expectOk(await author.client.request('room:create', { name: uniqueName('c') }));
    const stayer = await connectUser(first);
    const stay = trackRoom(stayer.client, room.id, expectOk(await stayer.client.joinRoom(room.id)).messages);
    const roamer = await connectUser(first);
    const away = trackRoom(roamer.client, room.id, expectOk(await roamer.client.joinRoom(room.id)).messages);
    expectOk(await author.client.joinRoom(room.id));

    const sent: Message[] = [];
    for (let i = 1; i <= 6; i += 1) sent.push(expectOk(await author.client.sendMessage(room.id, `m${i}`)).message);
    expectOk(await roamer.client.request('reaction:set', { messageId: sent[0]!.id, emoji: '👍', on: true }));
    await eventually(() => (away.snapshot().length === 6 && stay.snapshot()[0]?.reactions.length ? true : undefined));
    const counters = roamer.client.roomCounters(room.id);
    if (!counters) throw new Error('room not tracked');
    roamer.client.close();

    // While the roamer is away, through the other instance: edits, deletes, reactions, new messages.
    const other = await connectUser(second, { token: author.token });
    expectOk(await other.client.joinRoom(room.id));
    expectOk(await other.client.request('message:edit', { messageId: sent[1]!.id, body: 'm2, edited' }));
    expectOk(await other.client.request('message:delete', { messageId: sent[2]!.id }));
    expectOk(await other.client.request('reaction:set', { messageId: sent[0]!.id, emoji: '🎉', on: true }));
    expectOk(await other.client.request('reaction:set', { messageId: sent[3]!.id, emoji: '👀', on: true }));
    expectOk(await other.client.request('reaction:set', { messageId: sent[3]!.id, emoji: '👀', on: false }));
    const late = expectOk(await other.client.sendMessage(room.id, 'm7, sent while away')).message;
    expectOk(await other.client.request('message:edit', { messageId: late.id, body: 'm7, edited while away' }));
    expectOk(await other.client.request('message:delete', { messageId: sent[5]!.id }));

    await eventually(() => {
      const s = stay.snapshot();
      return s.length === 7 && s[5]?.deletedAt && s[6]?.body === 'm7, edited while away' ? true : undefined;
    });

    // Back, on the other instance, with both counters.
    const back = await connectUser(second, { token: roamer.token });
    const rejoined = expectOk(await back.client.joinRoom(room.id, counters.lastSeq, counters.lastVersion));
    expect(rejoined.changed?.map((m) => m.seq).sort()).toEqual([1, 2, 3, 4, 6]);
    const returned = trackRoom(back.client, room.id, away.snapshot());
    returned.apply([...rejoined.messages, ...(rejoined.changed ?? [])]);
    expect(returned.snapshot()).toEqual(stay.snapshot());

    // And from here on live, across instances, like everyone else.
    expectOk(await author.client.request('message:edit', { messageId: sent[0]!.id, body: 'm1, edited live' }));
    await eventually(() => (returned.snapshot()[0]?.body === 'm1, edited live' ? true : undefined));
    await eventually(() => (stay.snapshot()[0]?.body === 'm1, edited live' ? true : undefined));
    expect(returned.snapshot()).toEqual(stay.snapshot());
    for (const u of [author, stayer, other, back]) u.client.close();
  });

  it('catches up by itself after a dropped connection: the SDK keeps both counters per room', async () => {
    const author = await connectUser(first);
    const { room } = expectOk(await author.client.request('room:create', { name: uniqueName('d') }));
    const stayer = await connectUser(first);
    const stay = trackRoom(stayer.client, room.id, expectOk(await stayer.client.joinRoom(room.id)).messages);
    const dropper = await connectUser(second);
    const drop = trackRoom(dropper.client, room.id, expectOk(await dropper.client.joinRoom(room.id)).messages);
    const a = expectOk(await author.client.sendMessage(room.id, 'a')).message;
    const b = expectOk(await author.client.sendMessage(room.id, 'b')).message;
    await eventually(() => (drop.snapshot().length === 2 ? true : undefined));

    dropper.client.socket.io.engine.close();
    expectOk(await author.client.request('message:edit', { messageId: a.id, body: 'a, edited' }));
    expectOk(await author.client.request('message:delete', { messageId: b.id }));
    expectOk(await author.client.request('reaction:set', { messageId: a.id, emoji: '🔥', on: true }));
    expectOk(await author.client.sendMessage(room.id, 'c'));
    await eventually(() => (stay.snapshot().length === 3 && stay.snapshot()[0]?.reactions.length ? true : undefined));
    await eventually(() => {
      const mine = JSON.stringify(drop.snapshot());
      return mine === JSON.stringify(stay.snapshot()) ? true : undefined;
    }, 15_000);
    for (const u of [author, stayer, dropper]) u.client.close();
  });
});
