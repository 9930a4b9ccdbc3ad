import { ROOM_LIST_LIMIT_DEFAULT, ROOM_LIST_LIMIT_MAX, type RequestPayload, type Room } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectUser,
  databaseKinds,
  expectOk,
  startTestServer,
  uniqueName,
  type TestServer,
  type TestUser,
} from '../test-support/index.js';

const kinds = await databaseKinds();

/** Every page of a listing, following nextCursor. */
async function allPages(user: TestUser, request: RequestPayload<'room:list'>): Promise<{ pages: Room[][] }> {
  const pages: Room[][] = [];
  let cursor: string | undefined;
  do {
    const answer = expectOk(await user.client.request('room:list', { ...request, ...(cursor ? { cursor } : {}) }));
    pages.push(answer.rooms);
    cursor = answer.nextCursor;
  } while (cursor && pages.length < 50);
  return { pages };
}

describe.each(kinds)('room:list, paged and filtered, on %s', (kind) => {
  let server: TestServer;
  let owner: TestUser;
  const tag = uniqueName('list').toLowerCase();
  const names = Array.from({ length: 60 }, (_, i) => `${tag}-${String(i).padStart(2, '0')}`);
  beforeAll(async () => {
    server = await startTestServer({ kind, env: { ROOMS_PER_USER_PER_HOUR: '1000' } });
    owner = await connectUser(server);
    for (const name of names) expectOk(await owner.client.request('room:create', { name, topic: `about ${name}` }));
  });
  afterAll(async () => {
    owner.client.close();
    await server.close();
  });

  it('answers {} with the first page of the default size and a cursor, as before plus nextCursor', async () => {
    const answer = expectOk(await owner.client.request('room:list', {}));
    expect(answer.rooms).toHaveLength(ROOM_LIST_LIMIT_DEFAULT);
    expect(answer.nextCursor).toEqual(expect.any(String));
    expect(answer.joinedRoomIds).toHaveLength(60);
  });

  it('pages through every match once, in name order, and stops', async () => {
    const { pages } = await allPages(owner, { query: tag, limit: 25 });
    expect(pages.map((p) => p.length)).toEqual([25, 25, 10]);
    expect(pages.flat().map((r) => r.name)).toEqual(names);
  });

  it('matches a part of the name or the topic in any case, and LIKE wildcards only literally', async () => {
    const byName = expectOk(await owner.client.request('room:list', { query: `${tag.toUpperCase()}-4` }));
    expect(byName.rooms.map((r) => r.name)).toEqual(names.slice(40, 50));
    expect(byName.nextCursor).toBeUndefined();
    const byTopic = expectOk(await owner.client.request('room:list', { query: `ABOUT ${tag}-07` }));
    expect(byTopic.rooms.map((r) => r.name)).toEqual([`${tag}-07`]);
    for (const query of [`${tag}%`, `${tag}_0`, `${tag}\\`]) {
      expect(expectOk(await owner.client.request('room:list', { query })).rooms).toEqual([]);
    }
  });

  it('lists only the caller’s rooms with joined: true, only the others with joined: false; joinedRoomIds is always whole', async () => {
    const bob = await connectUser(server);
    const mine = expectOk(await bob.client.request('room:create', { name: `${tag}-bob` })).room;
    expectOk(await bob.client.request('room:join', { roomId: (await roomNamed(`${tag}-59`)).id }));
    const joined = expectOk(await bob.client.request('room:list', { joined: true }));
    expect(joined.rooms.map((r) => r.name)).toEqual([`${tag}-59`, `${tag}-bob`]);
    const firstOnly = expectOk(await bob.client.request('room:list', { joined: true, limit: 1 }));
    expect(firstOnly.rooms).toHaveLength(1);
    expect(new Set(firstOnly.joinedRoomIds)).toEqual(new Set(joined.rooms.map((r) => r.id)));
    const others = await allPages(bob, { joined: false, query: tag, limit: ROOM_LIST_LIMIT_MAX });
    expect(others.pages.flat().map((r) => r.name)).toEqual(names.slice(0, 59));
    expect(others.pages.flat().some((r) => r.id === mine.id)).toBe(false);
    bob.client.close();
  });

  it('refuses a page too large and malformed filters with BAD_REQUEST, text too long with TOO_LARGE', async () => {
    const bad = [
      { limit: ROOM_LIST_LIMIT_MAX + 1 },
      { limit: 0 },
      { limit: 2.5 },
      { cursor: '' },
      { query: 42 },
      { joined: 'yes' },
    ];
    for (const payload of bad) {
      // Deliberately outside the schema's types: this is what a hostile client sends.
      const answer = await owner.client.request('room:list', payload as unknown as RequestPayload<'room:list'>);
      expect(answer).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
    // Text past its limit is TOO_LARGE, as everywhere in the protocol.
    for (const payload of [{ query: 'q'.repeat(257) }, { cursor: 'x'.repeat(257) }]) {
      expect(await owner.client.request('room:list', payload)).toMatchObject({
        ok: false,
        error: { code: 'TOO_LARGE' },
      });
    }
  });

  async function roomNamed(name: string): Promise<Room> {
    const [room] = expectOk(await owner.client.request('room:list', { query: name })).rooms;
    if (!room) throw new Error(`no room ${name}`);
    return room;
  }
});
