import type { Prng } from './prng.js';

/** What one target saw over a run. */
export interface TargetCounts {
  packets: number;
  connections: number;
  /** Connections (or polling sessions) the server ended before the fuzzer did. */
  closedByServer: number;
  /** Answers by code: an ack's error code or "ok", `HTTP 400`, `CONNECT_ERROR UNAUTHORIZED`, … */
  answers: Record<string, number>;
  crashes: number;
}

export function emptyCounts(): TargetCounts {
  return { packets: 0, connections: 0, closedByServer: 0, answers: {}, crashes: 0 };
}

export function countAnswer(counts: TargetCounts, code: string): void {
  counts.answers[code] = (counts.answers[code] ?? 0) + 1;
}

/** The last inputs a target sent: a crash report shows them as its reproduction. */
export class RecentInputs {
  private readonly items: string[] = [];

  constructor(private readonly size = 40) {}

  add(description: string): void {
    this.items.push(description);
    if (this.items.length > this.size) this.items.shift();
  }

  list(): string[] {
    return [...this.items];
  }
}

export interface TargetContext {
  host: string;
  port: number;
  rng: Prng;
  counts: TargetCounts;
  recent: RecentInputs;
  /** Session tokens of accounts made for fuzzing (never the health check's). */
  tokens: readonly string[];
  /** Leaves out the three crash routes issue 10 already names (see README: Fuzzing). */
  skipKnownCrashes: boolean;
  serverAlive(): boolean;
}

/** One connection or session's worth of hostile input. */
export type SessionRunner = (ctx: TargetContext) => Promise<void>;

/** The code in an ack `[{"ok":false,"error":{"code":"X"}}]` or a body `{"error":{"code":"X"}}`. */
export function answerCode(json: string): string {
  if (/^\[?\{"ok":true/.test(json)) return 'ok';
  const code = /"error":\{"code":"([A-Z_]+)"/.exec(json)?.[1];
  return code ?? 'other';
}

/** `44{"message":"UNAUTHORIZED",…}`: Socket.IO's connect error carries the code as its message. */
export function connectErrorCode(packet: string): string {
  return `CONNECT_ERROR ${/"message":"([A-Za-z_ ]{1,40})"/.exec(packet)?.[1] ?? 'other'}`;
}
