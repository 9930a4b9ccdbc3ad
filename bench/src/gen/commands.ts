/** The messages between the orchestrator and a load-generator process (over the IPC channel). */

/** Which server a generator loads: Parley (Socket.IO over raw ws or long-polling) or a raw relay. */
export type TargetKind = 'parley' | 'relay';

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
}

export interface SenderPlan {
  /** Parley: one token per sender (the SDK is used); relay: a raw ws sender per entry. */
  tokens: string[];
  /** Parley room id, or the relay room index as a string. */
  roomId: string;
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
  | { type: 'done'; result: ConnectResult | LoadResult | Record<string, never> }
  | { type: 'error'; message: string };
