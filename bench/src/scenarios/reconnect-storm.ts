import { rmSync } from 'node:fs';
import type { PostResult, ReconnectResult, RoomSeqs } from '../gen/commands.js';
import { freshDataDir, quietNote, type BenchContext } from '../context.js';
import { Generator } from '../generator.js';
import { registerUsers, roomPerUser } from '../parley-setup.js';
import { startParley, startStormServers, stopAll, type Target } from '../processes.js';
import { medianRound, roundRatiosNote, scenario, serverUsPer, type Figures, type ScenarioResult } from '../results.js';

const MiB = 1024 * 1024;

interface Plan {
  roomIds: string[];
  /** The room index of each client. */
  rooms: number[];
  tokens: string[];
  catchUp?: RoomSeqs[];
}

/**
 * Issue 17's reconnect storm. An instance has crashed: its clients, members of many rooms, come
 * back at once to another instance and re-join their room with `sinceSeq`, having missed some
 * messages. Parley's side is set up on one server (users, one room each, the messages), which is
 * then stopped; a fresh server process on the same data takes the storm, with nothing of these
 * clients in its memory, as the surviving instance would (it profiles under `--cpu-prof`). Every client connects with its token and sends
 * `room:join { roomId, sinceSeq }`; it counts as caught up when the answer holds every message
 * after its `sinceSeq`, gap-free, and no `hasMore`.
 *
 * The baselines take the same number of plain connections: a bare Socket.IO server (the
 * handshake, no middleware: issue 17's yardstick, per connection) and the relays (the WebSocket
 * upgrade). The server's CPU is read from /proc/<pid>/stat between the first handshake and the
 * last answer; its RSS before the storm and once the connections have settled. Every server
 * here is a process of its own that no other storm has warmed (JIT, heap): sharing the connect
 * storm's baselines would save their start-up but favour them against Parley's fresh server.
 */
export async function runReconnectStorm(ctx: BenchContext): Promise<ScenarioResult> {
  const { size } = ctx;
  const notes: string[] = [];
  const rooms = Array.from({ length: size.reconnectClients }, (_, i) => i % size.reconnectRooms);
  const plain: Plan = { roomIds: Array.from({ length: size.reconnectRooms }, (_, i) => String(i)), rooms, tokens: [] };
  const dataDir = freshDataDir();
  const roundsOf = new Map<string, Figures[]>();
  const record = (name: string, f: Figures) => roundsOf.set(name, [...(roundsOf.get(name) ?? []), f]);
  try {
    const plan = await setUpParley(ctx, await startParley({ name: 'parley-setup', dataDir }), rooms);
    // Each round starts every server afresh (a storm meets a process no other storm has warmed)
    // and storms them in turns (sizes.ts, measureRounds). A re-join writes nothing, so each
    // round's Parley meets the same rooms and messages (the handshakes record at most the 2,000
    // users' last-seen times, once a minute each).
    for (let round = 1; round <= size.measureRounds; round += 1) {
      const targets: Target[] = [];
      try {
        const cpuProfDir = round === 1 ? ctx.cpuProfDir : undefined;
        targets.push(...(await startStormServers({ name: 'parley', dataDir, cpuProfDir })));
        for (const target of targets) {
          const rejoin = target.kind === 'parley';
          record(target.name, await storm(ctx, target, rejoin ? plan : plain, rejoin, notes, round));
        }
      } finally {
        await stopAll([], targets);
      }
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  const figures = new Map<string, Figures>();
  for (const [name, rounds] of roundsOf) {
    const median = medianRound(name, rounds, 'serverUsPerReconnection');
    figures.set(name, median.figures);
    notes.push(...median.notes);
  }
  notes.push(
    ...roundRatiosNote(
      'parley/socketio-bare',
      roundsOf.get('parley') ?? [],
      roundsOf.get('socketio-bare') ?? [],
      'serverUsPerReconnection',
    ),
  );
  const parley = figures.get('parley') ?? {};
  if ((parley.caughtUp ?? 0) < size.reconnectClients) {
    notes.push(`parley: only ${parley.caughtUp ?? 0} of ${size.reconnectClients} clients caught up`);
  }
  return scenario(
    'reconnect-storm',
    size.name,
    parley,
    figures.get('relay-frame') ?? {},
    figures.get('relay-batched') ?? {},
    [
      `${size.reconnectClients} clients in ${size.reconnectRooms} rooms (one registered user per room), ` +
        `${size.missedPerRoom} messages missed per room, 500 handshakes in flight`,
      "parley: a fresh server process on the set-up's data (nothing of these clients cached); each client connects with its token and re-joins its room with sinceSeq",
      'baselines: plain connections, no re-join (socketio-bare: a Socket.IO handshake without middleware; relays: a WebSocket upgrade)',
      'serverUsPerReconnection: server process CPU (user+system) from the first handshake to the last answer, per client; rss: before the storm, after it settled, and the peak',
      ...notes,
    ],
    figures.get('socketio-bare') ?? {},
  );
}

/** Users, one room each, and the messages: one every client saw, then `missedPerRoom` it missed. */
async function setUpParley(ctx: BenchContext, setup: Target, rooms: number[]): Promise<Plan> {
  const { size } = ctx;
  const generator = Generator.start(setup);
  try {
    ctx.log(`reconnect storm: registering ${size.reconnectRooms} users, a room each`);
    const users = await registerUsers(setup.url, size.reconnectRooms);
    const capacity = Math.ceil(size.reconnectClients / size.reconnectRooms) + 5;
    const roomIds = await roomPerUser(setup.url, users, capacity);
    const ownerTokens = users.map((user) => user.token);
    ctx.log(`reconnect storm: posting ${size.missedPerRoom + 1} messages in each room`);
    const { result } = await generator.run<PostResult>({
      cmd: 'post',
      missed: size.missedPerRoom,
      plan: {
        roomIds,
        rooms: roomIds.map((_, i) => i),
        tokens: ownerTokens,
        pollingFraction: 0,
        probeEvery: 0,
        concurrency: 200,
      },
    });
    if (result.failed > 0) throw new Error(`reconnect storm: ${result.failed} messages refused in the set-up`);
    return { roomIds, rooms, tokens: rooms.map((room) => ownerTokens[room] ?? ''), catchUp: result.seqs };
  } finally {
    await generator.stop();
    await setup.stop();
  }
}

async function storm(ctx: BenchContext, target: Target, plan: Plan, rejoin: boolean, notes: string[], round: number) {
  const generator = Generator.start(target);
  try {
    await generator.run({ cmd: 'ready' });
    notes.push(...(await quietNote(ctx, target.name)));
    const of = ctx.size.measureRounds > 1 ? ` (round ${round} of ${ctx.size.measureRounds})` : '';
    ctx.log(`reconnect storm: ${plan.rooms.length} clients to ${target.name}${rejoin ? ', re-joining' : ''}${of}`);
    const { result, marks } = await generator.run<ReconnectResult>({
      cmd: 'reconnect',
      rejoin,
      plan: { ...plan, pollingFraction: 0, probeEvery: 0, concurrency: 500 },
      settleMs: ctx.size.settleMs,
    });
    if (result.failed > 0) notes.push(`${target.name}: ${result.failed} clients failed to connect`);
    const before = marks.start?.rssBytes ?? NaN;
    const after = marks.after?.rssBytes ?? NaN;
    const f: Figures = { clients: result.connected };
    if (rejoin) {
      Object.assign(f, {
        caughtUp: result.caughtUp,
        missedExpected: result.missedExpected,
        missedReceived: result.missedReceived,
        joinErrors: result.joinErrors,
      });
    }
    return Object.assign(f, {
      reconnectionsPerSec: result.connectionsPerSec,
      lastReconnectionMs: result.lastMs,
      serverCpuSeconds: (marks.end?.cpuSeconds ?? NaN) - (marks.start?.cpuSeconds ?? NaN),
      serverUsPerReconnection: serverUsPer(result.connected, marks.start, marks.end),
      rssBeforeMiB: before / MiB,
      rssAfterMiB: after / MiB,
      rssPeakMiB: (marks.after?.peakRssBytes ?? NaN) / MiB,
      rssPerConnectionKiB: (after - before) / 1024 / Math.max(1, result.connected),
    });
  } finally {
    await generator.stop();
  }
}
