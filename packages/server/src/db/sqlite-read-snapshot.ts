import type SQLite from 'better-sqlite3';
import { afterThisRun } from './after-this-run.js';

/**
 * The raw reads (sqlite-statements.ts) of one run of queued work share one read transaction.
 *
 * Why (issue 17): in WAL mode every statement outside a transaction takes and drops SQLite's read
 * lock on the shared-memory file: three system calls (fcntl, fstat, fcntl), about 6 µs here, more
 * than most of the reads themselves. A re-join runs about nine reads, all in one run of promise
 * continuations (they are synchronous), so they now take the lock once.
 *
 * The snapshot ends when that run ends (the microtasks and process ticks that follow one event),
 * before the next event is handled: whatever arrives later, a request after another process's
 * commit among it, reads anew. It also ends before any write of this process: writeNow ends it,
 * and so does Kysely taking the connection (sqlite-fifo-driver.ts), which every other write (the
 * message batch, transactions, checkpoints) goes through. So every write commits on its own,
 * when it says so, and a read after it sees it. While Kysely holds the connection, raw reads run
 * each in its own transaction, as before; inside a transaction they are not raw at all.
 */
export class ReadSnapshot {
  private open = false;
  private kyselyHolds = false;
  private readonly begin: SQLite.Statement;
  private readonly commit: SQLite.Statement;
  private readonly rollback: SQLite.Statement;
  private readonly endNow = () => this.end();

  constructor(private readonly sqlite: SQLite.Database) {
    this.begin = sqlite.prepare('BEGIN');
    this.commit = sqlite.prepare('COMMIT');
    this.rollback = sqlite.prepare('ROLLBACK');
  }

  /** Whether a raw read may run now; it opens the shared snapshot when none is open. */
  admitRead(): boolean {
    if (this.open) return true;
    // Someone else's transaction (Kysely's, the message batch's): the read goes through Kysely.
    if (this.sqlite.inTransaction) return false;
    if (this.kyselyHolds) return true;
    this.begin.run();
    this.open = true;
    afterThisRun(this.endNow);
    return true;
  }

  /** Ends the snapshot now (before a write, or when Kysely takes the connection). */
  end(): void {
    if (!this.open) return;
    this.open = false;
    if (!this.sqlite.inTransaction) return;
    try {
      this.commit.run();
    } catch {
      // A read-only transaction has nothing to lose: if it cannot end cleanly, it is dropped.
      if (this.sqlite.inTransaction) this.rollback.run();
    }
  }

  /** Kysely took the one connection: no snapshot until it gives it back. */
  kyselyTakes(): void {
    this.end();
    this.kyselyHolds = true;
  }

  kyselyReleases(): void {
    this.kyselyHolds = false;
  }
}
