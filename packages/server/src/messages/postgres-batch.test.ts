import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../db/database.js';
import { createPostgresDatabase, databaseKinds, TEST_POSTGRES_URL } from '../test-support/index.js';
import { createPostgresBatch, textArrayLiteral, WRITE_BATCH_NAME } from './postgres-batch.js';

const onPostgres = (await databaseKinds()).includes('postgres');

/** Strings with every character an array literal treats specially, and some it does not. */
function awkward(seed: number): string {
  const pieces = ['"', '\\', '{', '}', ',', ' ', 'NULL', '', "'", '\n', '\t', 'é', '💬', '\\"', '""', 'a'];
  let text = '';
  for (let i = 0; i < 1 + (seed % 7); i++) text += pieces[(seed * 31 + i * 7) % pieces.length];
  return text;
}

describe.skipIf(!onPostgres)('the batch statement’s text[] parameters, as PostgreSQL reads them', () => {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  beforeAll(() => client.connect());
  afterAll(() => client.end());

  const roundTrip = async (values: (string | null)[]) => {
    const { rows } = await client.query<{ a: (string | null)[] }>('select $1::text[] as a', [textArrayLiteral(values)]);
    return rows[0]!.a;
  };

  it('reads plain ids back as they were (the joined fast path)', async () => {
    const ids = Array.from({ length: 1000 }, () => randomUUID());
    expect(textArrayLiteral(ids)).toBe(`{"${ids.join('","')}"}`);
    expect(await roundTrip(ids)).toEqual(ids);
  });

  it('reads quotes, backslashes, braces, commas, blanks, "NULL" and nulls back as they were', async () => {
    const values = Array.from({ length: 500 }, (_, i) => awkward(i));
    expect(await roundTrip(values)).toEqual(values);
    const withNulls = values.map((v, i) => (i % 3 === 0 ? null : v));
    expect(await roundTrip(withNulls)).toEqual(withNulls);
    expect(await roundTrip([null, null])).toEqual([null, null]);
    expect(await roundTrip(['', 'NULL', ' '])).toEqual(['', 'NULL', ' ']);
    expect(await roundTrip([])).toEqual([]);
  });
});

describe.skipIf(!onPostgres)('the batch statement, prepared once per connection', () => {
  let created: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let database: Database;
  const client = { current: undefined as pg.Client | undefined };
  const member = { id: randomUUID(), username: 'member' };
  const outsider = { id: randomUUID(), username: 'outsider' };
  const roomId = randomUUID();

  beforeAll(async () => {
    created = await createPostgresDatabase();
    database = await openDatabase({ databaseUrl: created.url, dataDir: mkdtempSync(path.join(tmpdir(), 'parley-')) });
    const now = new Date().toISOString();
    for (const user of [member, outsider]) {
      await database.db
        .insertInto('users')
        .values({
          id: user.id,
          username: user.username,
          username_lower: user.username,
          password_hash: 'x',
          created_at: now,
        })
        .execute();
    }
    await database.db
      .insertInto('rooms')
      .values({
        id: roomId,
        name: 'room',
        name_lower: 'room',
        topic: '',
        capacity: 100,
        member_count: 1,
        last_seq: 0,
        last_version: 0,
        visibility: 'public',
        slow_mode_seconds: 0,
        created_by: member.id,
        created_at: now,
      })
      .execute();
    await database.db
      .insertInto('room_members')
      .values({ room_id: roomId, user_id: member.id, joined_at: now })
      .execute();
    client.current = new pg.Client({ connectionString: created.url });
    await client.current.connect();
  });

  afterAll(async () => {
    await client.current?.end();
    await database?.close();
    await created?.drop();
  });

  const send = (sender: { id: string; username: string }, clientMsgId = randomUUID()) => ({
    id: randomUUID(),
    roomId,
    sender,
    clientMsgId,
    body: 'hello',
    sentAt: new Date(),
  });

  it('sends every batch as the one named statement, on custom plans and then a generic one, deciding as before', async () => {
    const connection = client.current!;
    // The batch on one connection of its own, so that what that connection prepared can be read back.
    const write = createPostgresBatch({
      ...database,
      preparedQuery: async <Row>(name: string, text: string, values: unknown[]) =>
        (await connection.query({ name, text, values })).rows as Row[],
    });
    const first = send(member);
    let seq = 0;
    // PostgreSQL plans a prepared statement's first five runs for their values; from the sixth,
    // a batch of ten or more runs on one generic plan (a batch of three never did).
    for (let batch = 1; batch <= 8; batch += 1) {
      const fresh = Array.from({ length: 8 }, () => send(member));
      const outcomes = await write([...fresh, send(outsider), batch === 1 ? first : { ...first, id: randomUUID() }]);
      const kinds = [...fresh.map(() => 'stored'), 'not-member', batch === 1 ? 'stored' : 'repeat'];
      expect(outcomes.map((o) => o.kind)).toEqual(kinds);
      const seqs = outcomes.flatMap((o) => (o.kind === 'stored' ? [o.message.seq] : []));
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seq + 1 + i));
      seq += seqs.length;
    }
    const { rows } = await connection.query<{ name: string; generic: number; custom: number }>(
      'select name, generic_plans::int as generic, custom_plans::int as custom from pg_prepared_statements',
    );
    expect(rows).toEqual([{ name: WRITE_BATCH_NAME, generic: 3, custom: 5 }]);
  });

  it("keeps its connection through PostgreSQL's refusals, and drops one only when the connection failed", async () => {
    const run = database.preparedQuery!;
    const backend = async () =>
      (await run<{ pid: number }>('parley_test_pid', 'select pg_backend_pid() as pid', []))[0]!.pid;
    const before = await backend();
    // A refusal PostgreSQL answers (as the batch's unique violation): the connection stays.
    await expect(run('parley_test_refused', 'select 1 / (0 * $1::int)', [1])).rejects.toMatchObject({ code: '22012' });
    expect(await backend()).toBe(before);
    // And it has the batch prepared: one batch through the real wrapper, then read back on it.
    await createPostgresBatch(database)([send(member)]);
    const prepared = await run<{ name: string }>('parley_test_names', 'select name from pg_prepared_statements', []);
    expect(prepared.map((row) => row.name)).toContain(WRITE_BATCH_NAME);
    // A lost connection is not given back: the next statement runs on a new backend.
    await run('parley_test_kill', 'select pg_terminate_backend(pg_backend_pid())', []).catch(() => undefined);
    expect(await backend()).not.toBe(before);
  });
});
