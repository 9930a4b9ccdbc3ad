import type { Message } from '@parley/protocol';

/**
 * Per-room ordering and change tracking. New messages reach `deliver` exactly once and in seq
 * order: messages at or below the last delivered seq are dropped; a gap asks `fetchAfter` for
 * what is missing while later arrivals wait in a buffer. Changed messages (edits, deletes,
 * reactions) reach `deliverChanges`; the room's two counters, `lastSeq` and `lastVersion`, are
 * what a re-join sends so that nothing, new or changed, is missed across reconnects.
 */
export interface RoomSync {
  lastSeq: number;
  /** The highest change counter (version) seen for the room. */
  lastVersion: number;
  receive(messages: Message[]): void;
  /** `message:update`: changed messages, applied in version order. */
  receiveChanges(messages: Message[]): void;
  /** Fetches everything after lastSeq, and what changed after lastVersion (pages until done). */
  resync(): Promise<void>;
  /** Stops retrying (the client closed or left the room). */
  stop(): void;
}

const RETRY_DELAY_MS = 1000;

export interface CatchUp {
  messages: Message[];
  hasMore: boolean;
  /** Messages at or below sinceSeq that changed after sinceVersion. */
  changed?: Message[];
  changedHasMore?: boolean;
  /** The room's version when the answer was read. */
  version?: number;
}
export type FetchAfter = (sinceSeq: number, sinceVersion: number) => Promise<CatchUp>;

export function createRoomSync(
  lastSeq: number,
  fetchAfter: FetchAfter,
  deliver: (messages: Message[]) => void,
  deliverChanges: (messages: Message[]) => void = () => undefined,
  lastVersion = 0,
): RoomSync {
  let syncing: Promise<void> | undefined;
  let buffer: Message[] = [];
  /** Changes to messages not delivered yet: they replace the older copy when it is delivered. */
  const ahead = new Map<string, Message>();
  let stopped = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  const latest = (m: Message): Message => {
    const newer = ahead.get(m.id);
    if (!newer) return m;
    ahead.delete(m.id);
    return newer.version > m.version ? newer : m;
  };
  const handOver = (messages: Message[]) => {
    if (messages.length === 0) return;
    const current = messages.map(latest);
    for (const m of current) state.lastVersion = Math.max(state.lastVersion, m.version);
    deliver(current);
  };

  const state: RoomSync = {
    lastSeq,
    lastVersion,
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
      handOver(ready);
    },
    receiveChanges(messages) {
      const known: Message[] = [];
      for (const m of [...messages].sort((a, b) => a.version - b.version)) {
        if (m.seq <= state.lastSeq) {
          known.push(m);
          state.lastVersion = Math.max(state.lastVersion, m.version);
        } else if ((ahead.get(m.id)?.version ?? -1) < m.version) ahead.set(m.id, m);
      }
      if (known.length > 0) deliverChanges(known);
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
            const page = await fetchAfter(state.lastSeq, state.lastVersion);
            const changed = page.changed ?? [];
            if (changed.length > 0) deliverChanges(changed);
            const fresh = page.messages.filter((m) => m.seq > state.lastSeq).sort((a, b) => a.seq - b.seq);
            const contiguous: Message[] = [];
            for (const m of fresh) {
              if (m.seq !== state.lastSeq + 1) break;
              contiguous.push(m);
              state.lastSeq = m.seq;
            }
            handOver(contiguous);
            // Changes are read in version order: with more to come, continue from the last one.
            const lastChanged = changed.at(-1)?.version ?? state.lastVersion;
            state.lastVersion = Math.max(state.lastVersion, lastChanged, page.changedHasMore ? 0 : (page.version ?? 0));
            if (!page.hasMore && !page.changedHasMore) break;
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
