import { rmSync } from 'node:fs';
import { freshDataDir, type BenchContext } from '../context.js';
import { ensureMessageBytes } from '../message-size.js';
import { startParley, startRelay, stopAll, type Target } from '../processes.js';
import { scenario, type ScenarioResult } from '../results.js';
import type { Generator } from '../generator.js';
import {
  fairPayloadNote,
  generatorsFor,
  loadFanout,
  medianByP99,
  rateWindow,
  saturate,
  type Loaded,
  type RateWindow,
  unload,
} from './fanout-load.js';
import { measurePoint, ScalePoints } from './scale.js';

/**
 * Scenarios 1 and 5: one room, many receivers, a few senders. Four servers run side by side on
 * the server core (idle ones cost nothing): the two relays, Parley on WebSocket only, and Parley
 * with 20 % of its receivers on long-polling. Each is saturated in turn; then each takes the
 * same fixed rate, half the lowest saturation, so that latency is compared under equal load
 * (in `rateRounds` rounds of turns at the full size).
 *
 * The scale scenario (issue 17: the same at several room sizes) runs on the same servers, so
 * that a run starts them once: its rooms larger than the fan-out's before it (largest first, so
 * that the memory per connection at the largest room is taken on servers that held no other
 * room), the fan-out's own size from it, the smaller ones after.
 */
export async function runFanout(
  ctx: BenchContext,
  which: { fanout: boolean; scale: boolean },
): Promise<ScenarioResult[]> {
  const { size } = ctx;
  const dirs = [freshDataDir(), freshDataDir()];
  const targets: Target[] = [];
  const results: ScenarioResult[] = [];
  const points = new ScalePoints();
  let generators = new Map<string, Generator>();
  try {
    targets.push(
      ...(await Promise.all([
        startRelay('frame'),
        startRelay('batched'),
        startParley({ name: 'parley', dataDir: dirs[0] ?? '', cpuProfDir: ctx.cpuProfDir }),
        ...(which.fanout
          ? [
              startParley({
                name: 'parley-polling',
                dataDir: dirs[1] ?? '',
                ...(ctx.cpuProfDir ? { cpuProfDir: `${ctx.cpuProfDir}/polling` } : {}),
              }),
            ]
          : []),
      ])),
    );
    // On the long-polling variant's server when it runs. Under `--cpu-prof` both Parley servers write
    // profiles (the long-polling one under polling/); this measurement comes before the load.
    const probe = targets.find((t) => t.name === 'parley-polling') ?? targets.find((t) => t.name === 'parley');
    if (probe) await ensureMessageBytes(ctx, probe);
    generators = generatorsFor(targets);
    const webSocketOnly = targets.filter((target) => target.name !== 'parley-polling');
    const scaleMembers = which.scale ? [...size.scaleMembers].sort((a, b) => b - a) : [];
    const own = which.fanout ? size.fanoutClients : Infinity;
    for (const members of scaleMembers.filter((m) => m > own)) {
      points.set(members, await measurePoint(ctx, webSocketOnly, generators, members, points.notes));
    }
    if (which.fanout) {
      const fanout = await measureFanout(ctx, targets, generators);
      results.push(...fanout);
      if (scaleMembers.includes(own)) points.takeFrom(own, fanout[0], size);
    }
    for (const members of scaleMembers.filter((m) => m < own)) {
      points.set(members, await measurePoint(ctx, webSocketOnly, generators, members, points.notes));
    }
  } finally {
    await stopAll([...generators.values()], targets);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
  if (which.scale) results.push(points.scenario(ctx));
  return results;
}

/** The fan-out scenario proper, on the four servers. */
async function measureFanout(
  ctx: BenchContext,
  targets: Target[],
  generators: Map<string, Generator>,
): Promise<ScenarioResult[]> {
  const { size } = ctx;
  const loaded = new Map<string, Loaded>();
  try {
    for (const target of targets) {
      const polling = target.name === 'parley-polling' ? 0.2 : 0;
      const generator = generators.get(target.name);
      if (!generator) throw new Error(`no load generator for ${target.name}`);
      loaded.set(target.name, await loadFanout(ctx, target, generator, size.fanoutClients, polling));
    }
    for (const [name, entry] of loaded) await saturate(ctx, name, entry, size);
    // Half the lowest saturation of scenario 1's three servers; the long-polling variant takes the
    // same rate, so that its latency compares with the same baselines (and shows when it cannot keep up).
    const wsOnly = [...loaded].filter(([name]) => name !== 'parley-polling');
    const perSec = 0.5 * Math.min(...wsOnly.map(([, entry]) => entry.figures.messagesPerSec ?? 0));
    const rounds = new Map<string, RateWindow[]>([...loaded.keys()].map((name) => [name, []]));
    for (let round = 1; round <= size.rateRounds; round += 1) {
      for (const [name, entry] of loaded) {
        rounds.get(name)?.push(await rateWindow(ctx, name, entry, perSec, size));
      }
    }
    for (const [name, entry] of loaded) {
      const windows = rounds.get(name) ?? [];
      const { result, serverCpu, loadCore, usPerDelivery } = medianByP99(windows);
      Object.assign(entry.figures, {
        rateMessagesPerSec: perSec,
        rateDeliveriesPerSec: result.deliveries / result.seconds,
        latencyP50Ms: result.latency.p50Ms,
        latencyP99Ms: result.latency.p99Ms,
        latencyP999Ms: result.latency.p999Ms,
        latencySamples: result.latency.count,
        rateServerCpu: serverCpu,
        rateServerUsPerDelivery: usPerDelivery,
        rateGeneratorCpu: result.generatorCpu,
        rateLoadCoreBusy: loadCore,
        rssPerConnectionKiB: entry.rssPerConnectionKiB,
      });
      if (windows.length > 1) {
        const p99s = windows.map((w) => w.result.latency.p99Ms.toFixed(1)).join(', ');
        entry.notes.push(`${name}: p99 of each fixed-rate window ${p99s} ms; the median window's figures are shown`);
      }
      if (result.deliveries / result.seconds < 0.9 * perSec * (entry.figures.receivers ?? 0)) {
        entry.notes.push(`${name}: fell behind the fixed rate (its latency there is that of an overloaded server)`);
      }
    }
  } finally {
    await unload(loaded.values());
  }
  const get = (name: string) => loaded.get(name) ?? { figures: {}, notes: [] };
  const frame = get('relay-frame');
  const batched = get('relay-batched');
  const baseNotes = [...frame.notes, ...batched.notes, ...fairPayloadNote(ctx)];
  const parley = get('parley');
  const polling = get('parley-polling');
  return [
    scenario('fan-out', size.name, parley.figures, frame.figures, batched.figures, [...parley.notes, ...baseNotes]),
    scenario('fan-out-long-polling', size.name, polling.figures, frame.figures, batched.figures, [
      'baselines are the all-WebSocket relays of the fan-out scenario (a raw ws relay has no long-polling)',
      ...polling.notes,
      ...baseNotes,
    ]),
  ];
}
