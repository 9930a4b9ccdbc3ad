import type { Message } from '@parley/protocol';

/**
 * Per-room ordering: hands each message to the caller exactly once and in seq order. Messages
 * at or below the last delivered seq are dropped; a gap asks `fetchAfter` for what is missing
 * while later arrivals wait in a buffer.
 */
export interface RoomSync {
  lastSeq: number;
  receive(messages: Message[]): void;
  /** Fetches everything after lastSeq (pages until done), then releases the buffer. */
  resync(): Promise<void>;
  /** Stops retrying (the client closed or left the room). */
  stop(): void;
}

const RETRY_DELAY_MS = 1000;

export type FetchAfter = (sinceSeq: number) => Promise<{ messages: Message[]; hasMore: boolean }>;

export function createRoomSync(
  lastSeq: number,
  fetchAfter: FetchAfter,
  deliver: (messages: Message[]) => void,
): RoomSync {
  let syncing: Promise<void> | undefined;
  let buffer: Message[] = [];
  let stopped = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  const state: RoomSync = {
    lastSeq,
    receive(messages) {
      if (syncing) {
        buffer.push(...messages);
        return;
      }
      const inOrder = [...messages].sort((a, b) => a.seq - b.seq);
      const ready: Message[] = [];
      for (const [i, message] of inOrder.entries()) {
        if (message.seq <= state.lastSeq) continue;
        if (message.seq !== state.lastSeq + 1) {
          buffer.push(...inOrder.slice(i));
          void state.resync();
          break;
        }
        ready.push(message);
        state.lastSeq = message.seq;
      }
      if (ready.length > 0) deliver(ready);
    },
    stop() {
      stopped = true;
      clearTimeout(retryTimer);
    },
    resync() {
      if (stopped) return Promise.resolve();
      syncing ??= (async () => {
        let failed = false;
        try {
          for (;;) {
            const page = await fetchAfter(state.lastSeq);
            const fresh = page.messages.filter((m) => m.seq > state.lastSeq).sort((a, b) => a.seq - b.seq);
            const contiguous: Message[] = [];
            for (const m of fresh) {
              if (m.seq !== state.lastSeq + 1) break;
              contiguous.push(m);
              state.lastSeq = m.seq;
            }
            if (contiguous.length > 0) deliver(contiguous);
            if (!page.hasMore) break;
          }
        } catch {
          failed = true;
        } finally {
          syncing = undefined;
          if (failed) {
            // Keep the buffer and try again later; the next reconnect also resyncs.
            clearTimeout(retryTimer);
            if (!stopped) retryTimer = setTimeout(() => void state.resync(), RETRY_DELAY_MS);
          } else {
            const waiting = buffer;
            buffer = [];
            state.receive(waiting);
          }
        }
      })();
      return syncing;
    },
  };
  return state;
}
