import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectUser,
  databaseKinds,
  eventually,
  expectOk,
  startTestServer,
  uniqueName,
  type TestServer,
} from '../test-support/index.js';

const kinds = await databaseKinds();

/** Every file under a directory, as bytes: what someone with the disk would read. */
function filesUnder(dir: string): { file: string; bytes: Buffer }[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? filesUnder(file) : [{ file, bytes: readFileSync(file) }];
  });
}

/** Which files of the SQLite data directory hold the text. */
function sqliteFilesHolding(server: TestServer, text: string): string[] {
  const needle = Buffer.from(text, 'utf8');
  return filesUnder(server.config.dataDir)
    .filter(({ bytes }) => bytes.includes(needle))
    .map(({ file }) => path.basename(file));
}

/** How many pages of the message tables (heap and TOAST) hold the text, read raw with pageinspect. */
async function postgresPagesHolding(server: TestServer, text: string): Promise<number> {
  const { db } = server.database;
  await sql`create extension if not exists pageinspect`.execute(db);
  const relations = await sql<{ rel: string }>`
    select c.oid::regclass::text as rel from pg_class c
    where c.relname in ('messages', 'message_reactions', 'message_mentions')
    union
    select t.oid::regclass::text from pg_class c join pg_class t on t.oid = c.reltoastrelid
    where c.relname = 'messages'`.execute(db);
  let pages = 0;
  for (const { rel } of relations.rows) {
    const found = await sql<{ n: number }>`
      select count(*)::int as n
      from generate_series(0, (pg_relation_size(${rel}::regclass) / current_setting('block_size')::int)::int - 1) as b
      where position(convert_to(${text}, 'UTF8') in get_raw_page(${rel}, b::int)) > 0`.execute(db);
    pages += found.rows[0]?.n ?? 0;
  }
  return pages;
}

describe.each(kinds)('delete means gone on %s', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ kind });
  });
  afterAll(async () => {
    await server.close();
  });

  const holding = (text: string) =>
    kind === 'sqlite' ? Promise.resolve(sqliteFilesHolding(server, text).length) : postgresPagesHolding(server, text);

  it('leaves no trace of a deleted or edited message in the database files', async () => {
    const alice = await connectUser(server);
    const bob = await connectUser(server);
    const { room } = expectOk(await alice.client.request('room:create', { name: uniqueName('f') }));
    expectOk(await bob.client.joinRoom(room.id));
    const marker = (what: string) => `${what}-${randomUUID()}`;
    const deleted = marker('DELETED');
    const edited = marker('EDITED');
    const kept = marker('KEPT');
    const long = marker('LONG-DELETED');
    const send = async (body: string) => expectOk(await alice.client.sendMessage(room.id, body)).message;
    const a = await send(`the secret is ${deleted}, @${bob.user.username}`);
    const b = await send(`first draft ${edited}`);
    await send(`this stays: ${kept}`);
    // Long enough to be stored out of line (PostgreSQL TOAST) and over several SQLite pages.
    const c = await send(`${long} ${'x'.repeat(3900 - long.length)}`);
    expectOk(await bob.client.request('reaction:set', { messageId: a.id, emoji: '🤫', on: true }));
    // Some traffic after, so the pages are rewritten more than once.
    for (let i = 0; i < 20; i += 1) await send(`filler ${i}`);

    expectOk(await alice.client.request('message:delete', { messageId: a.id }));
    expectOk(await alice.client.request('message:edit', { messageId: b.id, body: 'second draft' }));
    expectOk(await alice.client.request('message:delete', { messageId: c.id }));

    await eventually(async () => ((await holding(deleted)) === 0 ? true : undefined), 20_000);
    await eventually(async () => ((await holding(edited)) === 0 ? true : undefined), 20_000);
    expect(await holding(long)).toBe(0);
    // The scan does find what was not deleted: it would have found the others.
    expect(await holding(kept)).toBeGreaterThan(0);
    const history = expectOk(await bob.client.request('room:history', { roomId: room.id }));
    expect(history.messages.find((m) => m.id === a.id)).toMatchObject({ body: '', reactions: [] });
    expect(history.messages.find((m) => m.id === a.id)?.mentions).toBeUndefined();
    alice.client.close();
    bob.client.close();
  });
});
