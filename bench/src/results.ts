import { formatFigure } from './table.js';
/** Figures are plain numbers so that ratios, the table and the chart can treat them alike. */
export type Figures = Record<string, number>;

export interface ScenarioResult {
  name: string;
  size: string;
  parley: Figures;
  /** `socketio-bare` (a Socket.IO server with no middleware or handlers) only in the connection storms. */
  baseline: { 'relay-frame': Figures; 'relay-batched': Figures; 'socketio-bare'?: Figures };
  /** parley / relay-frame, for every figure both have. */
  ratio: Figures;
  /** parley / relay-batched, likewise. */
  ratioBatched: Figures;
  /** parley / socketio-bare, likewise, where that baseline ran. */
  ratioSocketIo?: Figures;
  notes: string[];
}

export interface BenchReport {
  machine: {
    cpus: number;
    cpuModel: string;
    memoryGiB: number;
    kernel: string;
    pinned: boolean;
    /** Busy share of each core during one second before the run: other work on a shared machine. */
    backgroundBusy: number[];
  };
  node: string;
  size: string;
  /** `--set` overrides of the size's fields, when any: then it is a custom size. */
  overrides?: string[];
  startedAt: string;
  seconds: number;
  scenarios: ScenarioResult[];
}

function ratios(parley: Figures, baseline: Figures): Figures {
  const out: Figures = {};
  for (const [key, value] of Object.entries(parley)) {
    const base = baseline[key];
    if (base !== undefined && base !== 0 && Number.isFinite(base) && Number.isFinite(value)) out[key] = value / base;
  }
  return out;
}

export function scenario(
  name: string,
  size: string,
  parley: Figures,
  frame: Figures,
  batched: Figures,
  notes: string[] = [],
  socketIo?: Figures,
): ScenarioResult {
  const result: ScenarioResult = {
    name,
    size,
    parley,
    baseline: { 'relay-frame': frame, 'relay-batched': batched },
    ratio: ratios(parley, frame),
    ratioBatched: ratios(parley, batched),
    notes: [...new Set(notes)],
  };
  if (socketIo) {
    result.baseline['socketio-bare'] = socketIo;
    result.ratioSocketIo = ratios(parley, socketIo);
  }
  return result;
}

/**
 * Server CPU in µs per unit of work (a delivery, a connection) between two samples: the server
 * process's user+system time from /proc, so that a run limited by its load generator still
 * says what the server spent.
 */
export function serverUsPer(units: number, from: { cpuSeconds: number } | undefined, to: typeof from): number {
  if (!from || !to || units <= 0) return NaN;
  return ((to.cpuSeconds - from.cpuSeconds) * 1e6) / units;
}

/**
 * When the load core is full and the server core is not, the figure says more about the load
 * generator than about the server. Core shares count every process and softirq on that core.
 */
export function limitNote(target: string, serverCore: number, loadCore: number): string[] {
  return loadCore > 0.93 && serverCore < 0.93
    ? [`${target}: the load generator was the limit (load core ${pct(loadCore)} busy, server core ${pct(serverCore)})`]
    : [];
}

const pct = (share: number) => `${Math.round(share * 100)} %`;

/** The item whose `value` is the median: the lower middle one of an even count. */
export function lowerMedianBy<T>(items: readonly T[], value: (item: T) => number): T | undefined {
  const sorted = [...items].sort((a, b) => value(a) - value(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/**
 * The round whose `key` is the median (lowerMedianBy), and a note with every round's `key`, so
 * that a reader sees how far the rounds were apart.
 */
export function medianRound(target: string, rounds: Figures[], key: string): { figures: Figures; notes: string[] } {
  const measured = rounds.filter((round) => Number.isFinite(round[key]));
  if (measured.length === 0) return { figures: rounds[0] ?? {}, notes: [] };
  const figures = lowerMedianBy(measured, (round) => round[key] ?? 0) ?? {};
  if (rounds.length < 2) return { figures, notes: [] };
  const each = rounds.map((round) => formatFigure(round[key])).join(', ');
  return { figures, notes: [`${target}: ${key} of each round ${each}; the median round's figures are shown`] };
}

/** `parley / baseline` of `key` in each round, as a note: the ratio the rounds agree on, or not. */
export function roundRatiosNote(label: string, parley: Figures[], baseline: Figures[], key: string): string[] {
  if (parley.length < 2 || baseline.length !== parley.length) return [];
  const each = parley.map((round, i) => `${((round[key] ?? NaN) / (baseline[i]?.[key] ?? NaN)).toFixed(2)}×`);
  return [`${label} ${key}, round by round: ${each.join(', ')}`];
}
