import type { NewMessage, WriteBatch, WriteOutcome } from './message-rows.js';

interface Pending {
  input: NewMessage;
  resolve(outcome: WriteOutcome): void;
  reject(error: unknown): void;
}

const MAX_BATCH = 1000;

/**
 * The pending-write queue of group commit, one for both databases: one batch in flight at a
 * time, and whatever arrives meanwhile forms the next. One commit per batch instead of per
 * message is what takes the durable path past 10k messages/s; each send is answered only after
 * its batch committed.
 */
export function createWriteQueue(writeBatch: WriteBatch): (input: NewMessage) => Promise<WriteOutcome> {
  let queue: Pending[] = [];
  let running = false;
  async function drain(): Promise<void> {
    running = true;
    while (queue.length > 0) {
      const batch = queue.length <= MAX_BATCH ? queue : queue.slice(0, MAX_BATCH);
      queue = queue.length <= MAX_BATCH ? [] : queue.slice(MAX_BATCH);
      try {
        const outcomes = await writeBatch(batch.map((p) => p.input));
        batch.forEach((p, i) => p.resolve(outcomes[i]!));
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
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
