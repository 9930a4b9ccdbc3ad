import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import {
  connectUser,
  databaseKinds,
  expectOk,
  startTestServer,
  uniqueName,
  type TestServer,
} from '../test-support/index.js';

const kinds = await databaseKinds();

describe.each(kinds)('message:search on %s', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ kind });
  });
  afterAll(async () => {
    await server.close();
  });

  it('finds words in the rooms the caller belongs to only, newest first, paged', async () => {
    const alice = await connectUser(server);
    const bob = await connectUser(server);
    const shared = expectOk(await alice.client.request('room:create', { name: uniqueName('s') })).room;
    const secret = expectOk(await bob.client.request('room:create', { name: uniqueName('bob') })).room;
    expectOk(await bob.client.joinRoom(shared.id));
    for (let i = 1; i <= 5; i += 1) expectOk(await alice.client.sendMessage(shared.id, `the Zebra report part ${i}`));
    expectOk(await alice.client.sendMessage(shared.id, 'nothing to see'));
    expectOk(await bob.client.sendMessage(secret.id, 'zebra secrets of bob'));

    const first = expectOk(await alice.client.request('message:search', { query: 'zebra', limit: 2 }));
    expect(first.messages.map((m) => m.body)).toEqual(['the Zebra report part 5', 'the Zebra report part 4']);
    expect(first.hasMore).toBe(true);
    const second = expectOk(
      await alice.client.request('message:search', { query: 'zebra', limit: 10, cursor: first.nextCursor ?? '' }),
    );
    expect(second.messages.map((m) => m.seq)).toEqual([3, 2, 1]);
    expect(second.hasMore).toBe(false);
    // In one room, paged by seq; the last word is a prefix, case and accents do not matter.
    const inRoom = expectOk(
      await alice.client.request('message:search', { query: 'REPORT par', roomId: shared.id, beforeSeq: 3 }),
    );
    expect(inRoom.messages.map((m) => m.seq)).toEqual([2, 1]);
    // Bob's own room is searched for bob, never for alice.
    const bobs = expectOk(await bob.client.request('message:search', { query: 'zebra' }));
    expect(bobs.messages.map((m) => m.roomId)).toContain(secret.id);
    // Search syntax is just text.
    expectOk(await alice.client.request('message:search', { query: '"zeb* OR NEAR( -x :* & |' }));
    alice.client.close();
    bob.client.close();
  });

  it('forgets a message whose body became empty (deleted)', async () => {
    const alice = await connectUser(server);
    const { room } = expectOk(await alice.client.request('room:create', { name: uniqueName('del') }));
    const { message } = expectOk(await alice.client.sendMessage(room.id, 'quokka sighting'));
    const before = expectOk(await alice.client.request('message:search', { query: 'quokka' }));
    expect(before.messages.map((m) => m.id)).toEqual([message.id]);
    await sql`update messages set body = '' where id = ${message.id}`.execute(server.database.db);
    const after = expectOk(await alice.client.request('message:search', { query: 'quokka' }));
    expect(after.messages).toEqual([]);
    if (kind === 'sqlite') {
      // The index itself no longer holds the word, not just the join that hides it.
      const rows = await sql<{
        n: number;
      }>`select count(*) as n from message_fts where message_fts match 'quokka'`.execute(server.database.db);
      expect(Number(rows.rows[0]?.n)).toBe(0);
    }
    alice.client.close();
  });

  it('refuses other rooms, malformed and too-large queries', async () => {
    const alice = await connectUser(server);
    const mallory = await connectUser(server);
    const { room } = expectOk(await alice.client.request('room:create', { name: uniqueName('mine') }));
    expectOk(await alice.client.sendMessage(room.id, 'private words'));
    expect(await mallory.client.request('message:search', { query: 'private', roomId: room.id })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect(expectOk(await mallory.client.request('message:search', { query: 'private' })).messages).toEqual([]);
    expect(await mallory.client.request('message:search', { query: 'x'.repeat(201) })).toMatchObject({
      ok: false,
      error: { code: 'TOO_LARGE' },
    });
    for (const bad of [
      {},
      { query: '   ' },
      { query: 'a', limit: 51 },
      { query: 'a', beforeSeq: -1 },
      { query: 'a', cursor: 'bm90IG91cnM' },
    ]) {
      const answer = await mallory.client.request('message:search', bad as never);
      expect(answer).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
    alice.client.close();
    mallory.client.close();
  });
});
