import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DatabaseConnection, Driver } from 'kysely';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from './database.js';
import { FifoLock, OneAtATimeDriver } from './sqlite-fifo-driver.js';

/** A driver whose one connection records who holds it, and can be told to fail once. */
function recordingDriver() {
  const log: string[] = [];
  let holders = 0;
  let maxHolders = 0;
  let failNext = false;
  const connection = {} as DatabaseConnection;
  const driver: Driver = {
    init: () => Promise.resolve(),
    acquireConnection: () => {
      if (failNext) {
        failNext = false;
        return Promise.reject(new Error('cannot open'));
      }
      holders += 1;
      maxHolders = Math.max(maxHolders, holders);
      return Promise.resolve(connection);
    },
    releaseConnection: () => {
      holders -= 1;
      return Promise.resolve();
    },
    beginTransaction: () => Promise.resolve(),
    commitTransaction: () => Promise.resolve(),
    rollbackTransaction: () => Promise.resolve(),
    destroy: () => Promise.resolve(),
  };
  return { driver, log, maxHolders: () => maxHolders, failOnce: () => (failNext = true) };
}

describe('FifoLock', () => {
  it('hands the lock to its waiters in arrival order, one at a time', async () => {
    const lock = new FifoLock();
    const order: number[] = [];
    await lock.acquire();
    const waiting = [1, 2, 3].map((n) =>
      lock.acquire().then(() => {
        order.push(n);
      }),
    );
    expect(lock.waiters).toBe(3);
    for (let i = 0; i < 3; i++) {
      lock.release();
      await new Promise((resolve) => setImmediate(resolve));
      // Exactly one more waiter got it on each release.
      expect(order).toHaveLength(i + 1);
    }
    await Promise.all(waiting);
    expect(order).toEqual([1, 2, 3]);
    lock.release();
    await lock.acquire(); // free again: taken at once
  });
});

describe('OneAtATimeDriver (issue 17)', () => {
  it('lets one caller hold the connection at a time, in arrival order', async () => {
    const inner = recordingDriver();
    const driver = new OneAtATimeDriver(inner.driver);
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const connection = await driver.acquireConnection();
        order.push(i);
        await new Promise((resolve) => setImmediate(resolve));
        await driver.releaseConnection(connection);
      }),
    );
    expect(inner.maxHolders()).toBe(1);
    expect(order).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('passes the lock on when the connection cannot be acquired', async () => {
    const inner = recordingDriver();
    const driver = new OneAtATimeDriver(inner.driver);
    inner.failOnce();
    await expect(driver.acquireConnection()).rejects.toThrow('cannot open');
    const connection = await driver.acquireConnection();
    await driver.releaseConnection(connection);
  });
});

describe('Kysely on SQLite through the FIFO driver', () => {
  let database: Database | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await database?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs hundreds of concurrent queries and keeps a transaction whole', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'parley-fifo-'));
    database = await openDatabase({ databaseUrl: undefined, dataDir: dir });
    const { db } = database;
    await sql`create table t (n integer)`.execute(db);
    const seen: number[] = [];
    const transaction = db.transaction().execute(async (trx) => {
      await sql`insert into t (n) values (1)`.execute(trx);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await sql`insert into t (n) values (2)`.execute(trx);
    });
    const reads = Array.from({ length: 300 }, () =>
      sql<{ count: number }>`select count(*) as count from t`.execute(db).then((r) => seen.push(r.rows[0]!.count)),
    );
    await Promise.all([transaction, ...reads]);
    // Every read waited for the transaction's end (it started first): none saw half of it.
    expect(seen).toHaveLength(300);
    expect(new Set(seen)).toEqual(new Set([2]));
  });
});
