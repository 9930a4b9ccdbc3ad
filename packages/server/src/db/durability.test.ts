import { afterAll, describe, expect, it } from 'vitest';
import { login } from '@parley/sdk';
import { ParleyClient } from '@parley/sdk';
import {
  TEST_PASSWORD,
  connectUser,
  databaseKinds,
  expectOk,
  startTestServer,
  uniqueName,
  type TestServer,
} from '../test-support/index.js';

const kinds = await databaseKinds();

describe.each(kinds)('durability on %s', (kind) => {
  const servers: TestServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.close();
  });

  it('keeps users, sessions, rooms, membership and messages across a restart on the same data', async () => {
    const server = await startTestServer({ kind });
    servers.push(server);
    const alice = await connectUser(server);
    const bob = await connectUser(server);
    const { room } = expectOk(await alice.client.request('room:create', { name: uniqueName('keep'), topic: 't' }));
    expectOk(await bob.client.request('room:join', { roomId: room.id }));
    const sent = [];
    for (const body of ['first', 'second', 'third'])
      sent.push(expectOk(await alice.client.sendMessage(room.id, body)).message);
    alice.client.close();
    bob.client.close();

    await server.restart();

    // Passwords and sessions survived: both sign-in and the old token work.
    expect((await login(server.url, alice.user.username, TEST_PASSWORD)).user).toEqual(alice.user);
    const bobAgain = await ParleyClient.connect({ url: server.url, token: bob.token });
    const listed = expectOk(await bobAgain.request('room:list', {}));
    expect(listed.joinedRoomIds).toContain(room.id);
    expect(listed.rooms.find((r) => r.id === room.id)).toMatchObject({ topic: 't', memberCount: 2 });
    const history = expectOk(await bobAgain.request('room:history', { roomId: room.id }));
    expect(history.messages).toEqual(sent);
    // The room's seq goes on where it stopped.
    expect(expectOk(await bobAgain.sendMessage(room.id, 'fourth')).message.seq).toBe(4);
    bobAgain.close();
  });
});

describe('two instances on one PostgreSQL database', () => {
  it.runIf(kinds.includes('postgres'))(
    'never let concurrent joins through different instances exceed a room capacity',
    async () => {
      const first = await startTestServer({ kind: 'postgres' });
      const second = await startTestServer({ shareDataWith: first });
      try {
        const owner = await connectUser(first);
        const { room } = expectOk(
          await owner.client.request('room:create', { name: uniqueName('tight'), capacity: 3 }),
        );
        const joiners = await Promise.all(
          Array.from({ length: 8 }, (_, i) => connectUser(i % 2 === 0 ? first : second)),
        );
        const results = await Promise.all(joiners.map((j) => j.client.request('room:join', { roomId: room.id })));
        expect(results.filter((r) => r.ok)).toHaveLength(2);
        expect(results.filter((r) => !r.ok && r.error.code === 'ROOM_FULL')).toHaveLength(6);
        const count = await first.database.db
          .selectFrom('room_members')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('room_id', '=', room.id)
          .executeTakeFirstOrThrow();
        expect(Number(count.n)).toBe(3);
        for (const c of [owner, ...joiners]) c.client.close();
      } finally {
        await second.app.close();
        await first.close();
      }
    },
  );
});
