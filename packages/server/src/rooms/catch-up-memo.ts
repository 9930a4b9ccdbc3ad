import type { Message } from '@parley/protocol';

/** A room's state as `messages.roomState` reads it. */
export interface RoomState {
  lastSeq: number;
  lastVersion: number;
}

export interface CatchUp {
  messages: Message[];
  hasMore: boolean;
}

interface RoomEntry extends RoomState {
  bySince: Map<number, Kept>;
  /** When a re-join last asked for this room (ms, the memo's clock). */
  usedAt: number;
}

interface Kept {
  answer: Promise<CatchUp>;
  /** Messages held once the read resolved (0 until then). */
  size: number;
}

/**
 * Issue 17: the catch-ups of one room share their read. After an instance crash the clients of a
 * room re-join together, each asking for the messages after the same `sinceSeq`; turning 20 rows
 * into messages cost ~140 µs a time (most of a re-join's database work), the same rows for each.
 * Re-joins that arrive together share the read in flight; later ones its answer.
 *
 * An answer is kept under the room's (lastSeq, lastVersion) read before it: every change of the
 * room's messages moves one of them in its own transaction, so a later re-join that reads the
 * same pair would read the same rows (or, read in between, newer ones, which a client takes as a
 * live message: its answer is never older than the state it read). A pair that moved replaces
 * the room's entry; a read that failed is not kept. Bounded by messages held, the least recently
 * used rooms going first, and rooms nobody asked for during `idleMs` are dropped (at the next
 * answer), so that a storm's answers do not stay in memory long after it.
 */
export class CatchUpMemo {
  private readonly rooms = new Map<string, RoomEntry>();
  private held = 0;

  constructor(
    private readonly maxMessages: number,
    private readonly idleMs = Number.POSITIVE_INFINITY,
    private readonly now: () => number = Date.now,
  ) {}

  get messagesHeld(): number {
    return this.held;
  }

  /** The answer for this state and sinceSeq: kept, in flight, or read now by `read`. */
  answer(roomId: string, state: RoomState, sinceSeq: number, read: () => Promise<CatchUp>): Promise<CatchUp> {
    const now = this.now();
    this.dropIdle(now);
    let entry = this.rooms.get(roomId);
    if (entry && entry.lastSeq === state.lastSeq && entry.lastVersion === state.lastVersion) {
      // Most recently used last: the Map's order is the eviction order.
      this.rooms.delete(roomId);
      this.rooms.set(roomId, entry);
      entry.usedAt = now;
      const kept = entry.bySince.get(sinceSeq);
      if (kept) return kept.answer;
    } else {
      if (entry) this.drop(roomId, entry);
      entry = { ...state, bySince: new Map(), usedAt: now };
      this.rooms.set(roomId, entry);
    }
    const room = entry;
    const kept: Kept = { answer: read(), size: 0 };
    room.bySince.set(sinceSeq, kept);
    kept.answer.then(
      (catchUp) => {
        if (room.bySince.get(sinceSeq) !== kept || this.rooms.get(roomId) !== room) return;
        if (catchUp.messages.length > this.maxMessages) return void room.bySince.delete(sinceSeq);
        kept.size = catchUp.messages.length;
        this.held += kept.size;
        this.evict();
      },
      () => {
        if (room.bySince.get(sinceSeq) === kept) room.bySince.delete(sinceSeq);
      },
    );
    return kept.answer;
  }

  /** The Map is in order of use: the idle rooms are at its start. */
  private dropIdle(now: number): void {
    for (const [roomId, entry] of this.rooms) {
      if (now - entry.usedAt < this.idleMs) break;
      this.drop(roomId, entry);
    }
  }

  private evict(): void {
    for (const [oldestId, oldest] of this.rooms) {
      if (this.held <= this.maxMessages) break;
      this.drop(oldestId, oldest);
    }
  }

  private drop(roomId: string, entry: RoomEntry): void {
    for (const kept of entry.bySince.values()) this.held -= kept.size;
    this.rooms.delete(roomId);
  }
}
