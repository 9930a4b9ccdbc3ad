import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from './migrations.js';
import { afterThisRun } from './after-this-run.js';
import { FifoSqliteDialect } from './sqlite-fifo-driver.js';
import { ReadSnapshot } from './sqlite-read-snapshot.js';
import { startCheckpointer, type Checkpointer } from './sqlite-checkpointer.js';
import { registerSqliteReads, StatementCache, withKeptStatements } from './sqlite-statements.js';
import type { Tables } from './schema.js';

export type Db = Kysely<Tables>;
export type DbKind = 'sqlite' | 'postgres';

export interface Database {
  db: Db;
  kind: DbKind;
  /**
   * The raw SQLite handle, for hot paths that batch synchronous statements (the message writer).
   * Use it only while holding Kysely's connection (`db.connection().execute`), so that it never
   * runs inside a transaction Kysely has open.
   */
  sqlite?: SQLite.Database;
  /**
   * PostgreSQL only: runs `text` as a statement prepared under `name` on each pooled connection
   * (parsed and planned once per connection, then only bound and run), and answers its rows.
   * Kysely sends every statement unnamed, parsed and planned anew at each call: for the message
   * batch's statement that was 1.5-6 ms of PostgreSQL's CPU per batch (docs/benchmarks.md).
   * One name, one text: pg refuses a second text under a name a connection already prepared.
   */
  preparedQuery?: <Row>(name: string, text: string, values: unknown[]) => Promise<Row[]>;
  /**
   * SQLite's `PRAGMA data_version`: moves whenever another connection (another process: the
   * admin command) committed a change. Absent on PostgreSQL. Caches use it (coherent-cache.ts).
   */
  changesByOthers?: () => number;
  /** Resolves when the database answers a trivial query within the timeout. */
  ping(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl: string | undefined;
  dataDir: string;
  /** PostgreSQL: how long to wait for a connection (a new one, or a free one from the pool). */
  dbConnectTimeoutMs?: number;
  /** The longest a statement may run (PostgreSQL), or wait for SQLite's write lock. */
  dbQueryTimeoutMs?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 3000;
const DEFAULT_QUERY_TIMEOUT_MS = 10_000;

/** SQLite in DATA_DIR unless DATABASE_URL names a PostgreSQL server; migrations run here. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  let db: Db;
  let sqlite: SQLite.Database | undefined;
  let pool: pg.Pool | undefined;
  let checkpointer: Checkpointer | undefined;
  if (options.databaseUrl) {
    pool = openPostgresPool(options.databaseUrl, {
      connectTimeoutMs: options.dbConnectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      queryTimeoutMs: options.dbQueryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
    });
    db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
  } else {
    const file = path.join(options.dataDir, 'parley.db');
    sqlite = openSqliteFile(file, options.dbQueryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS);
    const statements = new StatementCache(sqlite);
    const snapshot = new ReadSnapshot(sqlite);
    db = new Kysely<Tables>({
      dialect: new FifoSqliteDialect({ database: withKeptStatements(sqlite, statements) }, snapshot),
    });
    registerSqliteReads(db, sqlite, statements, snapshot);
    const main = sqlite;
    checkpointer = startCheckpointer(file, CHECKPOINT_EVERY_MS, () => {
      // Without the worker the WAL would grow without bound: checkpoint inline again.
      main.pragma('wal_autocheckpoint = 1000');
    });
  }
  const kind: DbKind = sqlite ? 'sqlite' : 'postgres';
  try {
    await migrateToLatest(db as Kysely<unknown>);
  } catch (error) {
    await checkpointer?.stop();
    await db.destroy();
    throw error;
  }
  let closed = false;
  return {
    db,
    kind,
    ...(sqlite ? { sqlite, changesByOthers: dataVersionOf(sqlite) } : {}),
    ...(pool ? { preparedQuery: preparedQueryOn(pool) } : {}),
    ping: (timeoutMs = 2000) => pingDatabase(db, timeoutMs),
    close: async () => {
      if (closed) return;
      closed = true;
      await checkpointer?.stop();
      await db.destroy();
    },
  };
}

const CHECKPOINT_EVERY_MS = 250;

/**
 * Read once per run of queued work (after-this-run.ts), not at every lookup: a handshake's caches
 * asked for it up to six times (issue 17). A commit by another process that lands during one run
 * is seen by the next, as if those lookups had come a moment earlier; nothing orders them after it.
 */
function dataVersionOf(sqlite: SQLite.Database): () => number {
  const statement = sqlite.prepare('PRAGMA data_version').pluck();
  let current: number | undefined;
  const forget = () => (current = undefined);
  return () => {
    if (current === undefined) {
      current = statement.get() as number;
      afterThisRun(forget);
    }
    return current;
  };
}

function openSqliteFile(filePath: string, busyTimeoutMs: number): SQLite.Database {
  mkdirSync(path.dirname(filePath), { recursive: true });
  const file = new SQLite(filePath);
  // WAL with synchronous=NORMAL: a commit survives a process crash; an OS crash may lose the
  // last transactions but never corrupts the file (https://sqlite.org/wal.html).
  file.pragma('journal_mode = WAL');
  file.pragma('synchronous = NORMAL');
  file.pragma('foreign_keys = ON');
  // Issue 14, "delete means gone": freed space (a deleted or edited message's old text) is
  // overwritten with zeros; the WAL's copies go with a TRUNCATE checkpoint (messages/scrubber.ts).
  file.pragma('secure_delete = ON');
  // A writer waits this long for the lock, then fails with SQLITE_BUSY (answered UNAVAILABLE).
  file.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
  // Checkpoints run in a worker (sqlite-checkpointer.ts); the WAL file is cut back after them.
  file.pragma('wal_autocheckpoint = 0');
  file.pragma('journal_size_limit = 67108864');
  // Issue 17: SQLite's default page cache (2 MiB) held less than a busy room set's pages, so a
  // reconnect storm's catch-ups read the same pages from the OS again and again (150 µs per
  // 20-message catch-up in a fresh process). Up to 64 MiB, taken only as pages are read.
  file.pragma('cache_size = -65536');
  return file;
}

function openPostgresPool(url: string, timeouts: { connectTimeoutMs: number; queryTimeoutMs: number }): pg.Pool {
  // Every call has a bound (issue 11): without these a send waited for as long as PostgreSQL
  // was unreachable. connectionTimeoutMillis also bounds the wait for a free pooled client;
  // statement_timeout stops the server, query_timeout stops waiting for a server that is gone.
  const pool = new pg.Pool({
    connectionString: url,
    max: 20,
    connectionTimeoutMillis: timeouts.connectTimeoutMs,
    idleTimeoutMillis: 10_000,
    statement_timeout: timeouts.queryTimeoutMs,
    query_timeout: timeouts.queryTimeoutMs + 1000,
    keepAlive: true,
  });
  // A client that loses its server emits 'error'; without a listener that kills the process.
  // The pool listens only while a client is idle: a client checked out (Kysely holds one for a
  // whole transaction) needs its own, or a PostgreSQL outage crashes Parley. The query in
  // flight fails on its own and is answered UNAVAILABLE.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/**
 * A client checked out, the statement run on it, the client given back under the pool's
 * timeouts. Not `pool.query`: it destroys the client on any error, so every refusal PostgreSQL
 * answers (the batch's expected unique violation, a statement timeout) would cost a new backend
 * and a new prepare. A client is kept after an ERROR PostgreSQL answered, and dropped after
 * anything else (a FATAL, a lost connection, pg's own query timeout: it may still be busy).
 */
function preparedQueryOn(pool: pg.Pool): NonNullable<Database['preparedQuery']> {
  return async <Row>(name: string, text: string, values: unknown[]) => {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      const result = await client.query({ name, text, values });
      // pg types rows by QueryResultRow; the caller states the row it knows its statement answers.
      return result.rows as Row[];
    } catch (error) {
      // A FATAL one (the backend terminated) arrives as a DatabaseError too, before the socket closes.
      const refusal = error instanceof pg.DatabaseError && error.severity === 'ERROR';
      if (!refusal) broken = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      client.release(broken);
    }
  };
}

async function pingDatabase(db: Db, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const query = sql`select 1`
    .execute(db)
    .then(() => true)
    .catch(() => false);
  try {
    return await Promise.race([query, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** True for a unique-constraint violation on either database. */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
