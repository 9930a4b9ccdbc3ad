import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { renderChart } from './chart.js';
import type { BenchContext } from './context.js';
import { coreBusySeconds, pinned, pinSelf, repoRoot } from './processes.js';
import type { BenchReport, ScenarioResult } from './results.js';
import { runConnectStorm } from './scenarios/connect-storm.js';
import { runFanout } from './scenarios/fanout.js';
import { runManyRooms } from './scenarios/many-rooms.js';
import { runReconnectStorm } from './scenarios/reconnect-storm.js';
import { sizes, type Size, type SizeName } from './sizes.js';
import { renderReport } from './table.js';

const { values } = parseArgs({
  options: {
    tiny: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    full: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string' },
    svg: { type: 'string' },
    'no-postgres': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    'quiet-wait': { type: 'string' },
    set: { type: 'string', multiple: true },
  },
});

const sizeName: SizeName = values.full ? 'full' : values.tiny ? 'tiny' : 'quick';
const size = withOverrides(sizes[sizeName], values.set ?? []);
const only = new Set((values.only ?? 'fanout,rooms,storm,reconnect,scale').split(','));

/** `--set reconnectClients=500 --set scaleMembers=200,20`: a custom size, for a profile or a look. */
function withOverrides(base: Size, settings: string[]): Size {
  const custom: Size = { ...base, scaleMembers: [...base.scaleMembers] };
  for (const setting of settings) {
    const [key = '', value = ''] = setting.split('=');
    const current = (custom as unknown as Record<string, unknown>)[key];
    if (typeof current === 'number') (custom as unknown as Record<string, number>)[key] = Number(value);
    else if (Array.isArray(current)) custom.scaleMembers = value.split(',').map(Number);
    else throw new Error(`--set ${setting}: no such size field`);
  }
  return custom;
}
const out = path.resolve(values.out ?? path.join(repoRoot, 'bench/results/latest.json'));
// The tiny size is the test's: it must not overwrite the README's chart unless asked to.
const svg = values.svg ?? (sizeName === 'tiny' ? undefined : path.join(repoRoot, 'docs/benchmarks.svg'));
// Every run is bounded: past this the orchestrator exits and its children are killed with it.
// A custom size (--set) may be larger than its base: it gets at least the quick size's budget.
const budgetMs = Math.max(
  { tiny: 420_000, quick: 600_000, full: 3_600_000 }[sizeName],
  values.set?.length ? 600_000 : 0,
);

async function backgroundBusy(): Promise<number[]> {
  const before = coreBusySeconds();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return coreBusySeconds().map((busy, i) => busy - (before[i] ?? 0));
}

function machine(background: number[]): BenchReport['machine'] {
  const model = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? '?';
  return {
    cpus: cpus().length,
    cpuModel: model.trim(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    pinned,
    backgroundBusy: background,
  };
}

async function main(): Promise<void> {
  const watchdog = setTimeout(() => {
    console.error(`bench: over its ${budgetMs / 1000} s budget, stopping`);
    process.exit(2);
  }, budgetMs);
  watchdog.unref();
  pinSelf();
  const background = await backgroundBusy();
  const started = performance.now();
  const ctx: BenchContext = {
    size,
    postgres: !values['no-postgres'],
    // The test's tiny run never waits; the real runs wait up to a minute per window by default.
    quietWaitMs: Number(values['quiet-wait'] ?? (sizeName === 'tiny' ? 0 : 60)) * 1000,
    quietBudgetMs: { tiny: 0, quick: 45_000, full: 900_000 }[sizeName],
    log: (line) => console.error(`[${((performance.now() - started) / 1000).toFixed(1)} s] ${line}`),
  };
  if (values['cpu-prof']) {
    ctx.cpuProfDir = path.resolve(values['cpu-prof']);
    mkdirSync(ctx.cpuProfDir, { recursive: true });
  }
  const scenarios: ScenarioResult[] = [];
  if (only.has('fanout') || only.has('scale')) {
    scenarios.push(...(await runFanout(ctx, { fanout: only.has('fanout'), scale: only.has('scale') })));
  }
  if (only.has('rooms')) scenarios.push(...(await runManyRooms(ctx)));
  if (only.has('storm')) scenarios.push(...(await runConnectStorm(ctx)));
  if (only.has('reconnect')) scenarios.push(await runReconnectStorm(ctx));
  const report: BenchReport = {
    machine: machine(background),
    node: process.version,
    size: sizeName,
    ...(values.set?.length ? { overrides: values.set } : {}),
    startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(),
    seconds: (performance.now() - started) / 1000,
    scenarios,
  };
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  if (svg) writeFileSync(svg, renderChart(report));
  console.log(renderReport(report));
  console.log(`written: ${out}${svg ? `, ${svg}` : ''}`);
  clearTimeout(watchdog);
}

// Ctrl-C or a kill: exit through process.exit so that every server and generator is stopped too.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
