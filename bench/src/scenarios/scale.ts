import type { BenchContext } from '../context.js';
import type { Generator } from '../generator.js';
import type { Target } from '../processes.js';
import { scenario, type Figures, type ScenarioResult } from '../results.js';
import type { Size } from '../sizes.js';
import { fairPayloadNote, loadFanout, rateWindow, saturate, unload, type Loaded } from './fanout-load.js';

type System = 'parley' | 'relay-frame' | 'relay-batched';
type Point = Record<System, Figures>;

/**
 * Issue 17: how the cost of a delivery grows with the room. The fan-out scenario's measurement
 * (saturation, then a fixed rate at half the lowest saturation) at each of `scaleMembers` room
 * sizes, in one table: server µs per delivery at saturation and at the fixed rate, the fixed
 * rate's p99, and the server's RSS per connection at the largest room. runFanout decides the
 * order and gives the fan-out scenario's own size from that scenario.
 */
export class ScalePoints {
  private readonly points = new Map<number, Point>();
  readonly notes: string[] = [];

  set(members: number, point: Point): void {
    this.points.set(members, point);
  }

  /** The fan-out scenario's figures stand for its own room size. */
  takeFrom(members: number, fanout: ScenarioResult | undefined, size: Size): void {
    if (!fanout) return;
    this.points.set(members, {
      parley: fanout.parley,
      'relay-frame': fanout.baseline['relay-frame'],
      'relay-batched': fanout.baseline['relay-batched'],
    });
    this.notes.push(
      `${members} members: the fan-out scenario's figures (windows of ${size.durationMs / 1000} s; p99 the median of ${size.rateRounds})`,
    );
  }

  scenario(ctx: BenchContext): ScenarioResult {
    const { size } = ctx;
    const ascending = [...this.points.keys()].sort((a, b) => a - b);
    const largest = ascending[ascending.length - 1] ?? 0;
    const table = (system: System): Figures => {
      const f: Figures = {};
      const row = (key: string, pick: (p: Figures) => number | undefined) => {
        for (const members of ascending) f[`${key}@${members}`] = pick(this.points.get(members)?.[system] ?? {}) ?? NaN;
      };
      row('usPerDelivery', (p) => p.serverUsPerDelivery);
      row('rateUsPerDelivery', (p) => p.rateServerUsPerDelivery);
      row('latencyP99Ms', (p) => p.latencyP99Ms);
      row('deliveriesPerSec', (p) => p.deliveriesPerSec);
      row('loadCoreBusy', (p) => p.loadCoreBusy);
      f[`rssPerConnectionKiB@${largest}`] = this.points.get(largest)?.[system].rssPerConnectionKiB ?? NaN;
      return f;
    };
    return scenario('fan-out-scale', size.name, table('parley'), table('relay-frame'), table('relay-batched'), [
      `one room of N members (receiving connections; Parley's spread over ${size.users} users), figures as key@N: usPerDelivery at saturation; rateUsPerDelivery and latencyP99Ms at a fixed rate (half the lowest saturation of the three at that size)`,
      "µs per delivery: the server process's CPU time (user+system, /proc/<pid>/stat) over the window ÷ the deliveries counted at the receivers; a window limited by the load core (loadCoreBusy ≈ 1) still measures the server this way",
      `other sizes: windows of ${size.scaleWarmupMs / 1000} s warm-up + ${size.scaleDurationMs / 1000} s, one fixed-rate window each; the same servers throughout, the largest room first (its RSS per connection on servers that held no other room)`,
      ...this.notes,
      ...fairPayloadNote(ctx),
    ]);
  }
}

/** One room size on the three WebSocket servers: each loaded, saturated, held at the fixed rate, unloaded. */
export async function measurePoint(
  ctx: BenchContext,
  targets: Target[],
  generators: Map<string, Generator>,
  members: number,
  notes: string[],
): Promise<Point> {
  const { size } = ctx;
  const loaded = new Map<string, Loaded>();
  const timing = { window: size.window, warmupMs: size.scaleWarmupMs, durationMs: size.scaleDurationMs };
  try {
    for (const target of targets) {
      const generator = generators.get(target.name);
      if (!generator) throw new Error(`no load generator for ${target.name}`);
      loaded.set(target.name, await loadFanout(ctx, target, generator, members, 0));
    }
    for (const [name, entry] of loaded) await saturate(ctx, name, entry, timing);
    const perSec = 0.5 * Math.min(...[...loaded.values()].map((entry) => entry.figures.messagesPerSec ?? 0));
    for (const [name, entry] of loaded) {
      const window = await rateWindow(ctx, name, entry, perSec, timing);
      Object.assign(entry.figures, {
        rateServerUsPerDelivery: window.usPerDelivery,
        latencyP99Ms: window.result.latency.p99Ms,
        rssPerConnectionKiB: entry.rssPerConnectionKiB,
      });
      if (window.result.deliveries / window.result.seconds < 0.9 * perSec * (entry.figures.receivers ?? 0)) {
        notes.push(`${members} members, ${name}: fell behind the fixed rate`);
      }
    }
    for (const entry of loaded.values()) notes.push(...entry.notes.map((note) => `${members} members, ${note}`));
  } finally {
    await unload(loaded.values());
  }
  const figuresOf = (name: string) => loaded.get(name)?.figures ?? {};
  return {
    parley: figuresOf('parley'),
    'relay-frame': figuresOf('relay-frame'),
    'relay-batched': figuresOf('relay-batched'),
  };
}
