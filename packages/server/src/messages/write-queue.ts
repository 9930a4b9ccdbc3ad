import type { NewMessage, WriteBatch, WriteOutcome } from './message-rows.js';

interface Pending {
  input: NewMessage;
  resolve(outcome: WriteOutcome): void;
  reject(error: unknown): void;
}

const MAX_BATCH = 1000;

export interface WriteQueueOptions {
  /**
   * How many batches may be in flight at once, each on a lane of its own. A room always goes
   * to the same lane (by its id's hash), so the sends of one room are still written one batch
   * after the other, in arrival order, and answered and published in seq order; only rooms of
   * different lanes commit side by side. Default 1.
   */
  lanes?: number;
  /**
   * Answer a batch's sends only once the lane's next batch has been handed to the database.
   * For a database in another process (PostgreSQL): answering runs every send's ack and
   * fan-out, which would otherwise all run before the driver writes the next statement, while
   * the database waits. Not for SQLite, whose batch runs on this thread: there it would only
   * hold the answers back for the next batch's time. Default false.
   */
  answerAfterNextBatch?: boolean;
}

/**
 * The pending-write queue of group commit, one for both databases: per lane one batch in
 * flight at a time, and whatever arrives meanwhile forms the lane's next. One commit per batch
 * instead of per message is what takes the durable path past 10k messages/s; each send is
 * answered only after its batch committed.
 *
 * PostgreSQL uses two lanes and answers after the next batch (issue 17): with one lane and
 * answers first, each batch's statement and commit (PostgreSQL's CPU, its WAL flush, the round
 * trip) and the server's acks and fan-out of the batch before it took turns, each side idle
 * while the other worked.
 */
export function createWriteQueue(
  writeBatch: WriteBatch,
  options: WriteQueueOptions = {},
): (input: NewMessage) => Promise<WriteOutcome> {
  const count = Math.max(1, Math.trunc(options.lanes ?? 1));
  const lanes = Array.from({ length: count }, () => createLane(writeBatch, options.answerAfterNextBatch ?? false));
  if (count === 1) return lanes[0]!;
  return (input) => lanes[laneOf(input.roomId, count)]!(input);
}

function createLane(
  writeBatch: WriteBatch,
  answerAfterNextBatch: boolean,
): (input: NewMessage) => Promise<WriteOutcome> {
  let queue: Pending[] = [];
  let running = false;
  async function drain(): Promise<void> {
    running = true;
    while (queue.length > 0) {
      const batch = queue.length <= MAX_BATCH ? queue : queue.slice(0, MAX_BATCH);
      queue = queue.length <= MAX_BATCH ? [] : queue.slice(MAX_BATCH);
      let answer: () => void;
      try {
        const outcomes = await writeBatch(batch.map((p) => p.input));
        answer = () => batch.forEach((p, i) => p.resolve(outcomes[i]!));
      } catch (error) {
        answer = () => {
          for (const p of batch) p.reject(error);
        };
      }
      // setImmediate runs after the loop below has started the next batch and the driver's
      // ticks have written it out; its callbacks run in order, so batches are answered in order.
      if (answerAfterNextBatch) setImmediate(answer);
      else answer();
    }
    running = false;
  }
  return (input) =>
    new Promise((resolve, reject) => {
      queue.push({ input, resolve, reject });
      // Everything sent within this turn of the event loop joins the first batch.
      if (!running && queue.length === 1) setImmediate(() => void drain());
    });
}

/** The room's lane: FNV-1a over its id, so that a room keeps its lane for the process's life. */
export function laneOf(roomId: string, lanes: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < roomId.length; i++) {
    hash ^= roomId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % lanes;
}
