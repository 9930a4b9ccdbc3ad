import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds, TEST_POSTGRES_URL } from '../test-support/index.js';
import { textArrayLiteral } from './postgres-batch.js';

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
