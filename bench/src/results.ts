/** Figures are plain numbers so that ratios, the table and the chart can treat them alike. */
export type Figures = Record<string, number>;

export interface ScenarioResult {
  name: string;
  size: string;
  parley: Figures;
  baseline: { 'relay-frame': Figures; 'relay-batched': Figures };
  /** parley / relay-frame, for every figure both have. */
  ratio: Figures;
  /** parley / relay-batched, likewise. */
  ratioBatched: Figures;
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
): ScenarioResult {
  return {
    name,
    size,
    parley,
    baseline: { 'relay-frame': frame, 'relay-batched': batched },
    ratio: ratios(parley, frame),
    ratioBatched: ratios(parley, batched),
    notes: [...new Set(notes)],
  };
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
