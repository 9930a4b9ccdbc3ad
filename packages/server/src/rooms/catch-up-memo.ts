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
  bySince: Map<number, CatchUp>;
}

/**
 * Issue 17: the catch-ups of one room share their read. After an instance crash the clients of a
 * room re-join together, each asking for the messages after the same `sinceSeq`; turning 20 rows
 * into messages cost ~140 µs a time (most of a re-join's database work), the same rows for each.
 *
 * An answer is kept under the room's (lastSeq, lastVersion) read before it: every change of the
 * room's messages moves one of them in its own transaction, so a later re-join that reads the
 * same pair would read the same rows (or, read in between, newer ones, which a client takes as a
 * live message: its answer is never older than the state it read). A pair that moved replaces
 * the room's entry. Bounded by messages held, the oldest rooms going first.
 */
export class CatchUpMemo {
  private readonly rooms = new Map<string, RoomEntry>();
  private held = 0;

  constructor(private readonly maxMessages: number) {}

  get messagesHeld(): number {
    return this.held;
  }

  get(roomId: string, state: RoomState, sinceSeq: number): CatchUp | undefined {
    const entry = this.rooms.get(roomId);
    if (!entry || entry.lastSeq !== state.lastSeq || entry.lastVersion !== state.lastVersion) return undefined;
    return entry.bySince.get(sinceSeq);
  }

  set(roomId: string, state: RoomState, sinceSeq: number, catchUp: CatchUp): void {
    if (catchUp.messages.length > this.maxMessages) return;
    let entry = this.rooms.get(roomId);
    if (!entry || entry.lastSeq !== state.lastSeq || entry.lastVersion !== state.lastVersion) {
      if (entry) this.drop(roomId, entry);
      entry = { ...state, bySince: new Map() };
    } else {
      // Most recently used last: the Map's order is the eviction order.
      this.rooms.delete(roomId);
    }
    this.rooms.set(roomId, entry);
    const earlier = entry.bySince.get(sinceSeq);
    if (earlier) this.held -= earlier.messages.length;
    entry.bySince.set(sinceSeq, catchUp);
    this.held += catchUp.messages.length;
    for (const [oldestId, oldest] of this.rooms) {
      if (this.held <= this.maxMessages) break;
      this.drop(oldestId, oldest);
    }
  }

  private drop(roomId: string, entry: RoomEntry): void {
    for (const catchUp of entry.bySince.values()) this.held -= catchUp.messages.length;
    this.rooms.delete(roomId);
  }
}
