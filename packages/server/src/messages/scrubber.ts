import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import type { Logger } from '../log.js';

/** Deletes and edits within this window are scrubbed together. */
const SCRUB_DELAY_MS = 500;

export interface Scrubber {
  /** Asks for the old text of a deleted or edited message to leave the database files soon. */
  request(): void;
  /** Resolves when no scrub is pending or running (tests, shutdown). */
  idle(): Promise<void>;
  /** How many scrubs have completed (tests and metrics read it). */
  readonly completed: number;
  /** Runs a pending scrub now, then stops: before the database closes. */
  close(): Promise<void>;
}

/**
 * "Delete means gone" (issue 14), after the row was changed:
 * - SQLite runs with secure_delete (the freed cell is zeroed in the page), and the WAL still holds
 *   the pages as they were: a TRUNCATE checkpoint copies the WAL back and cuts it to zero bytes.
 * - PostgreSQL keeps the old row version as a dead tuple until vacuumed: a targeted VACUUM of the
 *   message tables prunes it (and compacts its page, which overwrites the bytes). Its WAL segments
 *   still hold the text until PostgreSQL recycles them (checkpoint_timeout, max_wal_size): a bound
 *   stated in the README, not a scan this server can make.
 * Batched: many deletes within SCRUB_DELAY_MS cost one scrub.
 */
export function createScrubber(database: Database, log: Logger): Scrubber {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;
  let completed = 0;
  async function scrubOnce(): Promise<void> {
    const started = performance.now();
    const { sqlite } = database;
    if (sqlite) {
      const [result] = await database.db
        .connection()
        .execute(() => Promise.resolve(sqlite.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[]));
      // Busy: a reader still uses the WAL; try again after the next window.
      if (result?.busy) again = true;
    } else {
      await sql`vacuum messages, message_reactions, message_mentions`.execute(database.db);
    }
    completed += 1;
    log.debug({ ms: Math.round(performance.now() - started) }, 'deleted text scrubbed');
  }
  function run(): void {
    timer = undefined;
    if (closed) return;
    running = (async () => {
      try {
        await scrubOnce();
      } catch (error) {
        again = true;
        log.warn({ err: error }, 'scrub after delete failed; will retry');
      } finally {
        running = undefined;
        if (again && !closed) {
          again = false;
          request();
        }
      }
    })();
  }
  function request(): void {
    if (closed) return;
    if (running) again = true;
    else timer ??= setTimeout(run, SCRUB_DELAY_MS);
  }
  return {
    request,
    get completed() {
      return completed;
    },
    async idle() {
      while (timer || running) {
        await (running ?? new Promise((resolve) => setTimeout(resolve, 50)));
      }
    },
    async close() {
      if (timer) {
        clearTimeout(timer);
        run();
      }
      closed = true;
      await running;
    },
  };
}
