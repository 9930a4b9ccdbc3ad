/** The sizes of a run: `--tiny` for the test (seconds), `--quick` for CI (< 4 min), `--full` for the record. */
export type SizeName = 'tiny' | 'quick' | 'full';

export interface Size {
  name: SizeName;
  /** Fan-out: receivers in the one room, and senders each keeping `window` messages in flight. */
  fanoutClients: number;
  fanoutSenders: number;
  window: number;
  /** Many rooms: rooms × clients per room, everyone sending. */
  rooms: number;
  roomClients: number;
  /** Connect storm and idle memory. */
  stormClients: number;
  /** Registered users the fan-out and storm connections are spread over (argon2id is slow on purpose). */
  users: number;
  warmupMs: number;
  durationMs: number;
  settleMs: number;
  /** One receiver in `probeEvery` parses timestamps for latency. */
  probeEvery: number;
  /**
   * Fixed-rate fan-out windows per server, taken in turns (A B C D A B C D …); the figures are
   * those of each server's median-p99 window, so that one disturbed window does not decide a ratio.
   */
  rateRounds: number;
  /**
   * Many rooms and the reconnect storm: rounds taken in turns (A B C D A B C D …); each server's
   * figures are those of its median round, so that the host's speed drifting between one
   * server's measurement and the next does not decide a ratio.
   */
  measureRounds: number;
  /**
   * Reconnect storm: `reconnectClients` connections that were members of `reconnectRooms` rooms
   * (one registered user per room) come back at once and re-join with `sinceSeq`, each having
   * missed `missedPerRoom` messages of its room.
   */
  reconnectClients: number;
  reconnectRooms: number;
  missedPerRoom: number;
  /**
   * Fan-out at several room sizes (members = receiving connections), measured in this order.
   * The fan-out scenario's own size, when listed, is taken from that scenario's run.
   */
  scaleMembers: number[];
  scaleWarmupMs: number;
  scaleDurationMs: number;
}

export const sizes: Record<SizeName, Size> = {
  tiny: {
    name: 'tiny',
    fanoutClients: 50,
    fanoutSenders: 2,
    window: 4,
    rooms: 5,
    roomClients: 4,
    stormClients: 100,
    users: 3,
    warmupMs: 200,
    durationMs: 600,
    settleMs: 200,
    probeEvery: 5,
    rateRounds: 1,
    measureRounds: 1,
    reconnectClients: 100,
    reconnectRooms: 10,
    missedPerRoom: 5,
    scaleMembers: [50, 10],
    scaleWarmupMs: 200,
    scaleDurationMs: 500,
  },
  quick: {
    name: 'quick',
    fanoutClients: 1000,
    fanoutSenders: 4,
    window: 16,
    rooms: 500,
    roomClients: 10,
    stormClients: 5000,
    users: 20,
    warmupMs: 1000,
    durationMs: 4000,
    settleMs: 2000,
    probeEvery: 10,
    rateRounds: 1,
    measureRounds: 1,
    reconnectClients: 2000,
    reconnectRooms: 200,
    missedPerRoom: 20,
    scaleMembers: [1000, 100],
    scaleWarmupMs: 500,
    scaleDurationMs: 2000,
  },
  full: {
    name: 'full',
    fanoutClients: 5000,
    fanoutSenders: 4,
    window: 16,
    rooms: 500,
    roomClients: 10,
    // Issue 6 asks for 20,000; this machine's hard open-file limit is 20,000 per process, and the
    // server needs a few descriptors of its own, so the full storm stops just under it.
    stormClients: 19_000,
    users: 20,
    warmupMs: 2000,
    durationMs: 10_000,
    settleMs: 3000,
    probeEvery: 10,
    // A window's p99 is about its slowest message (9 messages/s × 10 s, each to 5,000 receivers):
    // five windows make the median stand for the server rather than for one disturbed moment.
    rateRounds: 5,
    // On this shared machine one server's figures moved by a third between runs minutes apart
    // (relay-frame's µs per ack 87-138 on 2026-11-30): three rounds in turns, the median shown.
    measureRounds: 3,
    // Issue 17 asks for 20,000 clients in 2,000 rooms and a 20,000-member room: the open-file
    // limit above stops both at 19,000 connections (rooms of 9 and 10 clients in the storm).
    reconnectClients: 19_000,
    reconnectRooms: 2000,
    missedPerRoom: 20,
    scaleMembers: [19_000, 5000, 1000, 100],
    scaleWarmupMs: 1000,
    scaleDurationMs: 5000,
  },
};
