import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { AppError, toErrorBody, unavailableDependencyOf } from './errors.js';

async function failureOf(work: () => unknown): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('telling an outage from a bug', () => {
  it('takes a locked SQLite file as the database being unavailable', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-errors-'));
    const holder = new SQLite(path.join(dir, 'x.db'));
    const waiter = new SQLite(path.join(dir, 'x.db'));
    try {
      holder.exec('CREATE TABLE t (x INTEGER)');
      waiter.pragma('busy_timeout = 0');
      holder.exec('BEGIN IMMEDIATE');
      const busy = await failureOf(() => waiter.exec('INSERT INTO t VALUES (1)'));
      expect(busy).toMatchObject({ code: 'SQLITE_BUSY' });
      expect(unavailableDependencyOf(busy)).toBe('database');
      expect(toErrorBody(busy)).toEqual({
        code: 'UNAVAILABLE',
        message: 'database unavailable; retry',
        retryAfterMs: 1000,
      });
    } finally {
      holder.close();
      waiter.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes a PostgreSQL server that refuses connections as the database being unavailable', async () => {
    const pool = new pg.Pool({
      connectionString: 'postgres://postgres@127.0.0.1:1/none',
      connectionTimeoutMillis: 500,
    });
    const refused = await failureOf(() => pool.query('select 1'));
    await pool.end();
    expect(unavailableDependencyOf(refused)).toBe('database');
  });

  it('takes a closed Redis client as Redis being unavailable', async () => {
    const client = createClient({ url: 'redis://127.0.0.1:1' });
    const closed = await failureOf(() => client.ping());
    expect(unavailableDependencyOf(closed)).toBe('redis');
    expect(toErrorBody(closed)).toMatchObject({ code: 'UNAVAILABLE', message: 'redis unavailable; retry' });
  });

  it('still answers INTERNAL for a bug, and an AppError as it is', () => {
    expect(unavailableDependencyOf(new TypeError('x is undefined'))).toBeUndefined();
    expect(toErrorBody(new TypeError('x is undefined'))).toEqual({ code: 'INTERNAL', message: 'internal error' });
    expect(toErrorBody(Object.assign(new Error('duplicate key'), { code: '23505' }))).toMatchObject({
      code: 'INTERNAL',
    });
    expect(toErrorBody(new AppError('FORBIDDEN', 'not yours'))).toEqual({ code: 'FORBIDDEN', message: 'not yours' });
  });
});
