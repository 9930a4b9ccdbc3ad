import type { DatabaseConnection, Driver, QueryCompiler, TransactionSettings } from 'kysely';
import { SqliteDialect, type SqliteDialectConfig } from 'kysely';
import type { ReadSnapshot } from './sqlite-read-snapshot.js';

/**
 * Kysely's SQLite dialect with a first-come-first-served wait for its one connection.
 *
 * Why (issue 17): Kysely's SqliteDriver waits in a loop on one shared promise, so each release
 * wakes every waiter and all but one wait again. With N queries waiting that is N² wake-ups: in a
 * reconnect storm (hundreds of presence and sign-in queries at once) its `lock` and `unlock` were
 * 11 % of the server's CPU. Here each release hands the connection to exactly the next waiter;
 * the wrapped driver's own wait then never has anyone waiting.
 */
export class FifoSqliteDialect extends SqliteDialect {
  constructor(
    config: SqliteDialectConfig,
    /** The raw reads' shared snapshot, ended whenever Kysely takes the connection. */
    private readonly snapshot?: ReadSnapshot,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    return new OneAtATimeDriver(super.createDriver(), this.snapshot);
  }
}

/** A lock handed to its waiters in arrival order, one wake-up per release. */
export class FifoLock {
  private held = false;
  private readonly waiting: (() => void)[] = [];

  acquire(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held = false;
  }

  get waiters(): number {
    return this.waiting.length;
  }
}

export class OneAtATimeDriver implements Driver {
  private readonly lock = new FifoLock();

  constructor(
    private readonly inner: Driver,
    private readonly snapshot?: ReadSnapshot,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.lock.acquire();
    try {
      const connection = await this.inner.acquireConnection();
      this.snapshot?.kyselyTakes();
      return connection;
    } catch (error) {
      this.lock.release();
      throw error;
    }
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    try {
      await this.inner.releaseConnection(connection);
    } finally {
      this.snapshot?.kyselyReleases();
      this.lock.release();
    }
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }

  savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    if (!this.inner.savepoint) return noSavepoints();
    return this.inner.savepoint(connection, name, compile);
  }

  rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    if (!this.inner.rollbackToSavepoint) return noSavepoints();
    return this.inner.rollbackToSavepoint(connection, name, compile);
  }

  releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    if (!this.inner.releaseSavepoint) return noSavepoints();
    return this.inner.releaseSavepoint(connection, name, compile);
  }

  destroy(): Promise<void> {
    this.snapshot?.end();
    return this.inner.destroy();
  }
}

function noSavepoints(): Promise<never> {
  return Promise.reject(new Error('the SQLite driver has no savepoints'));
}
