import type SQLite from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';
import type { Db } from './database.js';
import { setMostRecent } from './recent-map.js';
import type { ReadSnapshot } from './sqlite-read-snapshot.js';

/**
 * Prepared statements kept per SQL text (issue 17). Kysely's SQLite driver prepares every query
 * again each time it runs; in the reconnect storm that was 9-17 % of the server's CPU. SQLite
 * re-prepares a kept statement by itself when the schema changes (SQLITE_SCHEMA), so a kept
 * statement is never stale. The cache is bounded: queries with an `in (…)` list have one text per
 * list length, and a text seen once must not stay forever.
 */
export class StatementCache {
  private readonly statements = new Map<string, SQLite.Statement>();

  constructor(
    private readonly sqlite: SQLite.Database,
    private readonly capacity = 500,
  ) {}

  get size(): number {
    return this.statements.size;
  }

  prepare(sql: string): SQLite.Statement {
    const kept = this.statements.get(sql);
    // A statement still iterating (Kysely's stream()) cannot run again: that caller gets its own.
    if (kept && !kept.busy) {
      setMostRecent(this.statements, sql, kept, this.capacity);
      return kept;
    }
    const statement = this.sqlite.prepare(sql);
    if (!kept) setMostRecent(this.statements, sql, statement, this.capacity);
    return statement;
  }
}

/**
 * The better-sqlite3 handle as Kysely's SqliteDialect sees it, with its statements kept: every
 * Kysely query on SQLite is prepared once per SQL text.
 */
export function withKeptStatements(sqlite: SQLite.Database, cache: StatementCache): SqliteDatabase {
  return {
    prepare: (sql: string) => cache.prepare(sql),
    close: () => void sqlite.close(),
  };
}

/**
 * Synchronous reads on the hot paths (the handshake, room:join and its catch-up): a kept
 * statement run straight on better-sqlite3, without Kysely's query building, compiling and
 * connection mutex (with 500 handshakes in flight, every release of that mutex woke every waiter).
 */
export interface SqliteReads {
  get<T>(sql: string, params: readonly unknown[]): T | undefined;
  all<T>(sql: string, params: readonly unknown[]): T[];
}

const readsOfDb = new WeakMap<
  Db,
  { sqlite: SQLite.Database; cache: StatementCache; snapshot: ReadSnapshot; reads: SqliteReads }
>();

export function registerSqliteReads(
  db: Db,
  sqlite: SQLite.Database,
  cache: StatementCache,
  snapshot: ReadSnapshot,
): void {
  readsOfDb.set(db, {
    sqlite,
    cache,
    snapshot,
    reads: {
      get: <T>(sql: string, params: readonly unknown[]) => cache.prepare(sql).get(...params) as T | undefined,
      all: <T>(sql: string, params: readonly unknown[]) => cache.prepare(sql).all(...params) as T[],
    },
  });
}

/**
 * The synchronous reads of this database, when it is SQLite and no transaction is open on its one
 * connection; otherwise undefined and the caller goes through Kysely. A read here sees committed
 * data only: Kysely holds the connection across awaits for a whole transaction, so reading in the
 * middle of one would see (and could answer with) rows that are then rolled back. A transaction's
 * own Kysely object (`trx`) is never registered, so a store function called with one uses Kysely.
 */
export function sqliteReadsNow(db: Db): SqliteReads | undefined {
  const entry = readsOfDb.get(db);
  // Several reads of one run of work share a read transaction (sqlite-read-snapshot.ts).
  return entry?.snapshot.admitRead() ? entry.reads : undefined;
}

/**
 * One read on a hot path: `sql` on SQLite's kept statement when it can run now (sqliteReadsNow),
 * else the same query through Kysely (PostgreSQL, or SQLite inside a transaction). The SQL text
 * must select the same columns under the same names as the Kysely query.
 */
export function readAll<T>(
  db: Db,
  sql: string,
  params: readonly unknown[],
  viaKysely: () => Promise<T[]>,
): Promise<T[]> {
  const reads = sqliteReadsNow(db);
  return reads ? Promise.resolve(reads.all<T>(sql, params)) : viaKysely();
}

export function readFirst<T>(
  db: Db,
  sql: string,
  params: readonly unknown[],
  viaKysely: () => Promise<T | undefined>,
): Promise<T | undefined> {
  const reads = sqliteReadsNow(db);
  return reads ? Promise.resolve(reads.get<T>(sql, params)) : viaKysely();
}

/**
 * One single-statement write on a hot path, on the same terms as the reads: on SQLite, when no
 * transaction is open, the kept statement runs at once in its own (autocommit) transaction,
 * which nothing can interleave; otherwise through Kysely, queued behind the open transaction as
 * before. It also keeps such writes off Kysely's connection mutex, where hundreds of waiters were
 * woken at every release during a reconnect storm.
 */
export function writeNow(
  db: Db,
  sql: string,
  params: readonly unknown[],
  viaKysely: () => Promise<unknown>,
): Promise<void> {
  const entry = readsOfDb.get(db);
  // A write commits on its own, now: never inside the reads' shared snapshot.
  entry?.snapshot.end();
  if (!entry || entry.sqlite.inTransaction) return viaKysely().then(() => undefined);
  entry.cache.prepare(sql).run(...params);
  return Promise.resolve();
}
