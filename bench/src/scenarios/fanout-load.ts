import type { ConnectResult, LoadResult } from '../gen/commands.js';
import { quietNote, type BenchContext } from '../context.js';
import { Generator } from '../generator.js';
import { createRoom, joinRoom, registerUsers } from '../parley-setup.js';
import type { Target } from '../processes.js';
import { limitNote, lowerMedianBy, serverUsPer, type Figures } from '../results.js';

// The fan-out's measurements on one server, shared by the fan-out and scale scenarios.

const KiB = 1024;

export interface RateWindow {
  result: LoadResult;
  serverCpu: number;
  loadCore: number;
  /** Server CPU µs per delivery over the window. */
  usPerDelivery: number;
}

/** The window with the median p99 (the lower middle one of an even count). */
export function medianByP99(windows: RateWindow[]): RateWindow {
  const median = lowerMedianBy(windows, (window) => window.result.latency.p99Ms);
  if (!median) throw new Error('no fixed-rate window was measured');
  return median;
}

export interface Loaded {
  /** The target's load generator, holding its receivers and senders until `unload`. */
  generator: Generator;
  figures: Figures;
  /** The server's RSS growth per receiver, from before they connected to after they settled. */
  rssPerConnectionKiB: number;
  notes: string[];
}

/** The relays' messages weigh what Parley's do (issue 17): said in every scenario where they send. */
export function fairPayloadNote(ctx: BenchContext): string[] {
  return ctx.messageBytes
    ? [`relay messages are padded to ${ctx.messageBytes} bytes of JSON, the size of a Parley message in message:new`]
    : ['relay messages are NOT padded to the size of a Parley message (it was not measured)'];
}

/** Saturates one loaded server: each sender keeps `window` messages in flight. */
export async function saturate(
  ctx: BenchContext,
  name: string,
  entry: Loaded,
  timing: { window: number; warmupMs: number; durationMs: number },
): Promise<void> {
  entry.notes.push(...(await quietNote(ctx, name)));
  ctx.log(`fan-out: saturating ${name} (${entry.figures.receivers} receivers)`);
  const { result, marks } = await entry.generator.run<LoadResult>({
    cmd: 'saturate',
    window: timing.window,
    warmupMs: timing.warmupMs,
    durationMs: timing.durationMs,
  });
  const cores = Generator.cores(marks);
  Object.assign(entry.figures, {
    deliveriesPerSec: result.deliveries / result.seconds,
    messagesPerSec: result.deliveries / result.seconds / (entry.figures.receivers ?? NaN),
    deliveriesPerFrame: result.deliveries / Math.max(1, result.frames),
    serverCpu: Generator.serverCpu(marks),
    serverUsPerDelivery: serverUsPer(result.deliveries, marks.start, marks.end),
    generatorCpu: result.generatorCpu,
    serverCoreBusy: cores.serverCore,
    loadCoreBusy: cores.loadCore,
  });
  entry.notes.push(...limitNote(name, cores.serverCore, cores.loadCore));
}

/** One fixed-rate window on one loaded server. */
export async function rateWindow(
  ctx: BenchContext,
  name: string,
  entry: Loaded,
  perSec: number,
  timing: { warmupMs: number; durationMs: number },
): Promise<RateWindow> {
  entry.notes.push(...(await quietNote(ctx, name)));
  ctx.log(`fan-out: ${name} at ${perSec.toFixed(1)} messages/s (${entry.figures.receivers} receivers)`);
  const { result, marks } = await entry.generator.run<LoadResult>({
    cmd: 'rate',
    perSec,
    warmupMs: timing.warmupMs,
    durationMs: timing.durationMs,
  });
  return {
    result,
    serverCpu: Generator.serverCpu(marks),
    loadCore: Generator.cores(marks).loadCore,
    usPerDelivery: serverUsPer(result.deliveries, marks.start, marks.end),
  };
}

/**
 * Connects `receivers` clients to one room of the target (Parley: spread over `size.users`
 * members) and its senders, through the target's generator (which holds no clients yet: see
 * unload); measures the server's RSS growth per connection on the way.
 */
export async function loadFanout(
  ctx: BenchContext,
  target: Target,
  generator: Generator,
  receivers: number,
  pollingFraction: number,
): Promise<Loaded> {
  const { size } = ctx;
  let roomIds = ['0'];
  let tokens: string[] = [];
  let senderTokens = Array.from({ length: size.fanoutSenders }, () => '');
  if (target.kind === 'parley') {
    const users = await registerUsers(target.url, Math.max(size.users, size.fanoutSenders));
    const capacity = receivers + users.length + 10;
    const roomId = await createRoom(target.url, users[0]?.token ?? '', `fan-out-${receivers}`, capacity);
    await joinRoom(target.url, users.slice(1), roomId);
    roomIds = [roomId];
    tokens = users.map((user) => user.token);
    senderTokens = tokens.slice(0, size.fanoutSenders);
  }
  ctx.log(`fan-out: connecting ${receivers} receivers to ${target.name}`);
  const { result, marks } = await generator.run<ConnectResult>({
    cmd: 'connect',
    plan: {
      roomIds,
      rooms: new Array<number>(receivers).fill(0),
      tokens,
      pollingFraction,
      probeEvery: size.probeEvery,
      concurrency: 200,
    },
    settleMs: size.settleMs,
  });
  const messageBytes = ctx.messageBytes;
  await generator.run({ cmd: 'senders', plan: { tokens: senderTokens, roomId: roomIds[0] ?? '0', messageBytes } });
  const notes = result.failed > 0 ? [`${target.name}: ${result.failed} receivers failed to connect`] : [];
  const rssGrowth = (marks.after?.rssBytes ?? NaN) - (marks.start?.rssBytes ?? NaN);
  const rssPerConnectionKiB = rssGrowth / KiB / Math.max(1, result.connected);
  return { generator, figures: { receivers: result.connected }, rssPerConnectionKiB, notes };
}

/** Closes every client of the loaded servers: the generators stay, for the next room size. */
export async function unload(loaded: Iterable<Loaded>): Promise<void> {
  await Promise.all([...loaded].map((entry) => entry.generator.run({ cmd: 'close' }, 60_000)));
}

/** One load generator per target, started together. */
export function generatorsFor(targets: Target[]): Map<string, Generator> {
  return new Map(targets.map((target) => [target.name, Generator.start(target)]));
}
