import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from './database.js';
import { readFirst, sqliteReadsNow, StatementCache, writeNow } from './sqlite-statements.js';

describe('kept SQLite statements (issue 17)', () => {
  const dirs: string[] = [];
  const opened: Database[] = [];
  afterAll(async () => {
    for (const database of opened) await database.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  async function open(): Promise<Database> {
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-statements-'));
    dirs.push(dir);
    const database = await openDatabase({ databaseUrl: undefined, dataDir: dir });
    opened.push(database);
    return database;
  }

  it('prepares a SQL text once, and keeps at most its capacity, the least recently used going first', () => {
    const sqlite = new SQLite(':memory:');
    const cache = new StatementCache(sqlite, 2);
    const one = cache.prepare('select 1');
    expect(cache.prepare('select 1')).toBe(one);
    const two = cache.prepare('select 2');
    cache.prepare('select 1'); // now the most recently used
    cache.prepare('select 3'); // evicts 'select 2'
    expect(cache.size).toBe(2);
    expect(cache.prepare('select 1')).toBe(one);
    expect(cache.prepare('select 2')).not.toBe(two);
    sqlite.close();
  });

  it('gives a statement still iterating to no one else: the second caller gets its own', () => {
    const sqlite = new SQLite(':memory:');
    const cache = new StatementCache(sqlite);
    const first = cache.prepare('select 1 union all select 2');
    const iterator = first.iterate();
    iterator.next();
    const second = cache.prepare('select 1 union all select 2');
    expect(second).not.toBe(first);
    expect(second.all()).toHaveLength(2);
    iterator.return?.();
    expect(cache.prepare('select 1 union all select 2')).toBe(first);
    sqlite.close();
  });

  it('reads synchronously only while no transaction is open: never a row a transaction may roll back', async () => {
    const { db } = await open();
    expect(sqliteReadsNow(db)).toBeDefined();
    await db
      .insertInto('users')
      .values({ id: 'u1', username: 'ann', username_lower: 'ann', password_hash: 'x', created_at: 'now', is_admin: 0 })
      .execute();
    let readsInside: unknown = 'not run';
    let seenInside: unknown = 'not run';
    await db
      .transaction()
      .execute(async (trx) => {
        await trx.updateTable('users').set({ username: 'bea' }).where('id', '=', 'u1').execute();
        readsInside = sqliteReadsNow(db);
        // Through Kysely this waits for the transaction's end: it sees the rolled-back name never.
        const read = readFirst<{ username: string }>(db, 'select username from users where id = ?', ['u1'], () =>
          db.selectFrom('users').select('username').where('id', '=', 'u1').executeTakeFirst(),
        );
        void read.then((row) => (seenInside = row?.username));
        throw new Error('roll back');
      })
      .catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    expect(readsInside).toBeUndefined();
    expect(seenInside).toBe('ann');
    // A transaction's own Kysely object is never read around.
    await db.transaction().execute(async (trx) => {
      expect(sqliteReadsNow(trx)).toBeUndefined();
      await Promise.resolve();
    });
  });

  it('writes at once outside a transaction; inside one, queues behind it and is not rolled back with it', async () => {
    const { db, sqlite } = await open();
    const insert = (id: string) =>
      writeNow(
        db,
        'insert into users (id, username, username_lower, password_hash, created_at, is_admin) values (?, ?, ?, ?, ?, 0)',
        [id, id, id, 'x', 'now'],
        () =>
          db
            .insertInto('users')
            .values({ id, username: id, username_lower: id, password_hash: 'x', created_at: 'now', is_admin: 0 })
            .execute(),
      );
    const count = () => sqlite!.prepare('select count(*) from users').pluck().get();
    void insert('w1');
    expect(count()).toBe(1); // synchronously
    let queued: Promise<void> | undefined;
    await db
      .transaction()
      .execute(async () => {
        queued = insert('w2');
        await Promise.resolve();
        throw new Error('roll back');
      })
      .catch(() => undefined);
    await queued;
    expect(count()).toBe(2);
  });

  it('answers the same rows as Kysely', async () => {
    const { db } = await open();
    await db
      .insertInto('users')
      .values({ id: 'u2', username: 'Cy', username_lower: 'cy', password_hash: 'x', created_at: 'now', is_admin: 1 })
      .execute();
    const viaKysely = await db.selectFrom('users').select(['id', 'username', 'is_admin']).executeTakeFirst();
    const viaStatement = sqliteReadsNow(db)?.get('select id, username, is_admin from users', []);
    expect(viaStatement).toEqual(viaKysely);
  });
});
