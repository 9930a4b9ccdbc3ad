import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from './database.js';
import { readFirst, writeNow } from './sqlite-statements.js';

/*
 * Issue 17: the raw reads of one run of queued work share a read transaction
 * (sqlite-read-snapshot.ts). These check that it never holds a write back and never outlives
 * the run that opened it.
 */
describe('the raw reads’ shared snapshot (SQLite)', () => {
  let dir: string;
  let database: Database;
  let other: SQLite.Database;
  const count = () =>
    readFirst<{ n: number }>(database.db, 'select count(*) as n from t', [], () =>
      Promise.reject(new Error('not raw')),
    );
  const otherCount = () => (other.prepare('select count(*) as n from t').get() as { n: number }).n;
  const nextEvent = () => new Promise((resolve) => setImmediate(resolve));

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'parley-snapshot-'));
    database = await openDatabase({ databaseUrl: undefined, dataDir: dir });
    await sql`create table t (n integer)`.execute(database.db);
    other = new SQLite(path.join(dir, 'parley.db'));
  });
  afterEach(async () => {
    other.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is one transaction for the reads of one run, over by the next event', async () => {
    await count();
    expect(database.sqlite!.inTransaction).toBe(true);
    await count(); // a continuation: the same snapshot
    expect(database.sqlite!.inTransaction).toBe(true);
    await nextEvent();
    expect(database.sqlite!.inTransaction).toBe(false);
  });

  it('does not hide a commit of another process from a read after the next event', async () => {
    expect((await count())?.n).toBe(0);
    other.prepare('insert into t (n) values (1)').run();
    // Within the run the snapshot holds (a consistent view); the next event reads anew.
    expect((await count())?.n).toBe(0);
    await nextEvent();
    expect((await count())?.n).toBe(1);
  });

  it('lets a write commit at once, in the middle of a run', async () => {
    await count();
    await writeNow(database.db, 'insert into t (n) values (?)', [1], () => Promise.reject(new Error('not raw')));
    // Committed before the run ends: another connection sees it now.
    expect(otherCount()).toBe(1);
    expect((await count())?.n).toBe(1);
  });

  it('ends when Kysely takes the connection: its transactions and writes commit when they say so', async () => {
    await count();
    await database.db.transaction().execute(async (trx) => {
      await sql`insert into t (n) values (1)`.execute(trx);
    });
    expect(otherCount()).toBe(1);
    await sql`insert into t (n) values (2)`.execute(database.db);
    expect(otherCount()).toBe(2);
    // The message batch's way: the raw handle while holding Kysely's connection.
    await count();
    await database.db.connection().execute(() => {
      database.sqlite!.transaction(() => database.sqlite!.prepare('insert into t (n) values (3)').run())();
      return Promise.resolve();
    });
    expect(otherCount()).toBe(3);
  });

  it('sends a read during a Kysely transaction through Kysely, as before', async () => {
    let raw: unknown = 'unset';
    await database.db.transaction().execute(async (trx) => {
      await sql`insert into t (n) values (1)`.execute(trx);
      raw = await readFirst(database.db, 'select count(*) as n from t', [], () => Promise.resolve('through kysely'));
    });
    expect(raw).toBe('through kysely');
  });
});
