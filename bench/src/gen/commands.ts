/** The messages between the orchestrator and a load-generator process (over the IPC channel). */

/** Which server a generator loads: Parley (Socket.IO over raw ws or long-polling) or a raw relay. */
export type TargetKind = 'parley' | 'relay' | 'socketio';

export interface ClientPlan {
  /** Room ids (Parley) or names (relay); clients refer to them by index. */
  roomIds: string[];
  /** Index of the room of each client (relay: the room in its URL; Parley: carried by its token). */
  rooms: number[];
  /** Parley: the session token of each client; empty for a relay. */
  tokens: string[];
  /** Parley: the fraction of clients (spread evenly) on HTTP long-polling instead of WebSocket. */
  pollingFraction: number;
  /** Every n-th client parses sender timestamps and records latency; the others only count. */
  probeEvery: number;
  /** How many handshakes may be in flight at once. */
  concurrency: number;
  /** Relay: the JSON size (bytes) its messages are padded to, Parley's message size (fair payload). */
  messageBytes?: number;
  /** Reconnect: what each room (by index) holds, from 'post': the clients re-join from `sinceSeq`. */
  catchUp?: RoomSeqs[];
}

/** The seq the clients of a room saw last, and the room's newest. */
export interface RoomSeqs {
  sinceSeq: number;
  lastSeq: number;
}

export interface SenderPlan {
  /** Parley: one token per sender (a raw WebSocket client each); relay: a raw ws sender per entry. */
  tokens: string[];
  /** Parley room id, or the relay room index as a string. */
  roomId: string;
  /** As ClientPlan.messageBytes. */
  messageBytes?: number;
}

export type Command =
  | { cmd: 'connect'; plan: ClientPlan; settleMs: number }
  | { cmd: 'senders'; plan: SenderPlan }
  /** Closed loop: each sender keeps `window` messages in flight; deliveries counted at receivers. */
  | { cmd: 'saturate'; window: number; warmupMs: number; durationMs: number }
  /** Open loop at a fixed total rate (messages/s); probes record end-to-end latency. */
  | { cmd: 'rate'; perSec: number; warmupMs: number; durationMs: number }
  /** Every connected client sends in a closed loop, one message in flight, and times its ack. */
  | { cmd: 'everyone'; warmupMs: number; durationMs: number }
  /**
   * Parley: the plan's clients (one per room) connect and each posts one message (the last one
   * its room's clients saw: its seq is their `sinceSeq`) and then `missed` more, one at a time;
   * answers each room's seqs for 'reconnect'. Close them after.
   */
  | { cmd: 'post'; plan: ClientPlan; missed: number }
  /**
   * A storm: all clients connect at once (within `concurrency`) and, with `rejoin`, send
   * `room:join` with their room's `sinceSeq` and check that the answer holds every missed message.
   */
  | { cmd: 'reconnect'; plan: ClientPlan; rejoin: boolean; settleMs: number }
  | { cmd: 'close' }
  /** Answers once the process is up: a quiet-machine check must not count its start-up. */
  | { cmd: 'ready' };

export interface Percentiles {
  count: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

export interface ConnectResult {
  connected: number;
  failed: number;
  /** From the first handshake to the last connection, in ms. */
  lastMs: number;
  connectionsPerSec: number;
}

export interface PostResult {
  /** By room index. */
  seqs: RoomSeqs[];
  acked: number;
  failed: number;
}

export interface ReconnectResult extends ConnectResult {
  /** Clients whose `room:join` answered every message after their `sinceSeq`, gap-free, no `hasMore`. */
  caughtUp: number;
  /** Messages the re-joining clients had missed, in all, and those their answers held. */
  missedExpected: number;
  missedReceived: number;
  /** Re-joins answered with an error, or unreadable. */
  joinErrors: number;
}

export interface LoadResult {
  seconds: number;
  sent: number;
  acked: number;
  deliveries: number;
  frames: number;
  latency: Percentiles;
  /** Share of one core the generator process used in the window (1 = a whole core). */
  generatorCpu: number;
}

export type Reply =
  | { type: 'mark'; name: string }
  | { type: 'done'; result: ConnectResult | LoadResult | PostResult | Record<string, never> }
  | { type: 'error'; message: string };
