import { rmSync } from 'node:fs';
import type { ConnectResult, LoadResult } from '../gen/commands.js';
import { freshDataDir, quietNote, type BenchContext } from '../context.js';
import { Generator } from '../generator.js';
import { createRoom, joinRoom, registerUsers } from '../parley-setup.js';
import { startParley, startRelay, type Target } from '../processes.js';
import { limitNote, scenario, type Figures, type ScenarioResult } from '../results.js';

interface RateWindow {
  result: LoadResult;
  serverCpu: number;
  loadCore: number;
}

/** The window with the median p99 (the lower middle one of an even count). */
function medianByP99(windows: RateWindow[]): RateWindow {
  const sorted = [...windows].sort((a, b) => a.result.latency.p99Ms - b.result.latency.p99Ms);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  if (!median) throw new Error('no fixed-rate window was measured');
  return median;
}

interface Loaded {
  generator: Generator;
  figures: Figures;
  notes: string[];
}

/**
 * Scenarios 1 and 5: one room, many receivers, a few senders. Four servers run side by side on
 * the server core (idle ones cost nothing): the two relays, Parley on WebSocket only, and Parley
 * with 20 % of its receivers on long-polling. Each is saturated in turn; then each takes the
 * same fixed rate, half the lowest saturation, so that latency is compared under equal load
 * (in `rateRounds` rounds of turns at the full size).
 */
export async function runFanout(ctx: BenchContext): Promise<ScenarioResult[]> {
  const { size } = ctx;
  const dirs = [freshDataDir(), freshDataDir()];
  const targets: Target[] = [];
  const loaded = new Map<string, Loaded>();
  try {
    targets.push(await startRelay('frame'), await startRelay('batched'));
    targets.push(await startParley({ name: 'parley', dataDir: dirs[0] ?? '', cpuProfDir: ctx.cpuProfDir }));
    targets.push(await startParley({ name: 'parley-polling', dataDir: dirs[1] ?? '' }));
    for (const target of targets) {
      const polling = target.name === 'parley-polling' ? 0.2 : 0;
      loaded.set(target.name, await load(ctx, target, polling));
    }
    for (const [name, entry] of loaded) {
      entry.notes.push(...(await quietNote(ctx, name)));
      ctx.log(`fan-out: saturating ${name}`);
      const { result, marks } = await entry.generator.run<LoadResult>({
        cmd: 'saturate',
        window: size.window,
        warmupMs: size.warmupMs,
        durationMs: size.durationMs,
      });
      const serverCpu = Generator.serverCpu(marks);
      const cores = Generator.cores(marks);
      entry.figures.deliveriesPerSec = result.deliveries / result.seconds;
      entry.figures.messagesPerSec = result.deliveries / result.seconds / entry.figures.receivers!;
      entry.figures.deliveriesPerFrame = result.deliveries / Math.max(1, result.frames);
      entry.figures.serverCpu = serverCpu;
      entry.figures.generatorCpu = result.generatorCpu;
      entry.figures.serverCoreBusy = cores.serverCore;
      entry.figures.loadCoreBusy = cores.loadCore;
      entry.notes.push(...limitNote(name, cores.serverCore, cores.loadCore));
    }
    // Half the lowest saturation of scenario 1's three servers; the long-polling variant takes the
    // same rate, so that its latency compares with the same baselines (and shows when it cannot keep up).
    const wsOnly = [...loaded].filter(([name]) => name !== 'parley-polling');
    const perSec = 0.5 * Math.min(...wsOnly.map(([, entry]) => entry.figures.messagesPerSec ?? 0));
    const rounds = new Map<string, RateWindow[]>([...loaded.keys()].map((name) => [name, []]));
    for (let round = 1; round <= size.rateRounds; round += 1) {
      for (const [name, entry] of loaded) {
        entry.notes.push(...(await quietNote(ctx, name)));
        ctx.log(`fan-out: ${name} at ${perSec.toFixed(1)} messages/s (round ${round} of ${size.rateRounds})`);
        const { result, marks } = await entry.generator.run<LoadResult>({
          cmd: 'rate',
          perSec,
          warmupMs: size.warmupMs,
          durationMs: size.durationMs,
        });
        rounds
          .get(name)
          ?.push({ result, serverCpu: Generator.serverCpu(marks), loadCore: Generator.cores(marks).loadCore });
      }
    }
    for (const [name, entry] of loaded) {
      const windows = rounds.get(name) ?? [];
      const { result, serverCpu, loadCore } = medianByP99(windows);
      Object.assign(entry.figures, {
        rateMessagesPerSec: perSec,
        rateDeliveriesPerSec: result.deliveries / result.seconds,
        latencyP50Ms: result.latency.p50Ms,
        latencyP99Ms: result.latency.p99Ms,
        latencyP999Ms: result.latency.p999Ms,
        latencySamples: result.latency.count,
        rateServerCpu: serverCpu,
        rateGeneratorCpu: result.generatorCpu,
        rateLoadCoreBusy: loadCore,
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
    for (const entry of loaded.values()) await entry.generator.stop();
    for (const target of targets) await target.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
  const get = (name: string) => loaded.get(name) ?? { figures: {}, notes: [] };
  const frame = get('relay-frame');
  const batched = get('relay-batched');
  const baseNotes = [...frame.notes, ...batched.notes];
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

async function load(ctx: BenchContext, target: Target, pollingFraction: number): Promise<Loaded> {
  const { size } = ctx;
  const generator = Generator.start(target);
  let roomIds = ['0'];
  let tokens: string[] = [];
  let senderTokens = Array.from({ length: size.fanoutSenders }, () => '');
  if (target.kind === 'parley') {
    const users = await registerUsers(target.url, Math.max(size.users, size.fanoutSenders));
    const capacity = size.fanoutClients + users.length + 10;
    const roomId = await createRoom(target.url, users[0]?.token ?? '', 'fan-out', capacity);
    await joinRoom(target.url, users.slice(1), roomId);
    roomIds = [roomId];
    tokens = users.map((user) => user.token);
    senderTokens = tokens.slice(0, size.fanoutSenders);
  }
  ctx.log(`fan-out: connecting ${size.fanoutClients} receivers to ${target.name}`);
  const { result } = await generator.run<ConnectResult>({
    cmd: 'connect',
    plan: {
      roomIds,
      rooms: new Array<number>(size.fanoutClients).fill(0),
      tokens,
      pollingFraction,
      probeEvery: size.probeEvery,
      concurrency: 200,
    },
    settleMs: size.settleMs,
  });
  await generator.run({ cmd: 'senders', plan: { tokens: senderTokens, roomId: roomIds[0] ?? '0' } });
  const notes = result.failed > 0 ? [`${target.name}: ${result.failed} receivers failed to connect`] : [];
  return { generator, figures: { receivers: result.connected }, notes };
}
