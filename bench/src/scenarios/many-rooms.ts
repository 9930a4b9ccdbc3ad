import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import type { ClientPlan, ConnectResult, LoadResult } from '../gen/commands.js';
import { freshDataDir, quietNote, type BenchContext } from '../context.js';
import { Generator } from '../generator.js';
import { ensureMessageBytes } from '../message-size.js';
import { registerUsers, roomPerUser } from '../parley-setup.js';
import { cpuSecondsOf, cpuShare, startParley, startRelay, type Sample, type Target } from '../processes.js';
import {
  limitNote,
  medianRound,
  roundRatiosNote,
  scenario,
  serverUsPer,
  type Figures,
  type ScenarioResult,
} from '../results.js';
import { fairPayloadNote } from './fanout-load.js';

const PG = 'postgres://postgres@127.0.0.1:5432';

/** psql does what the bench needs of PostgreSQL (a database of its own, dropped after). */
function psql(sql: string): void {
  execFileSync('psql', [`${PG}/postgres`, '-v', 'ON_ERROR_STOP=1', '-qc', sql], { stdio: 'pipe', timeout: 30_000 });
}

/**
 * Scenario 2: many rooms × a few clients, everyone sending one message at a time and waiting for
 * its ack. For Parley that is the durable path (committed before the ack); a relay's "ack" is
 * the echo of the sender's own message.
 */
export async function runManyRooms(ctx: BenchContext): Promise<ScenarioResult[]> {
  // Parley on SQLite first: its server measures the size of a Parley message (when no scenario
  // has yet), which the relays' messages are padded to.
  const sqliteDir = freshDataDir();
  const runs: { name: string; start: () => Promise<Target>; cleanup?: () => void }[] = [
    {
      name: 'parley-sqlite',
      start: () => startParley({ name: 'parley-sqlite', dataDir: sqliteDir, cpuProfDir: ctx.cpuProfDir }),
      cleanup: () => rmSync(sqliteDir, { recursive: true, force: true }),
    },
    { name: 'relay-frame', start: () => startRelay('frame') },
    { name: 'relay-batched', start: () => startRelay('batched') },
  ];
  const notes: string[] = [];
  if (ctx.postgres) {
    const db = `parley_bench_${randomBytes(4).toString('hex')}`;
    const pgDir = freshDataDir();
    runs.push({
      name: 'parley-postgres',
      start: async () => {
        psql(`CREATE DATABASE ${db}`);
        const target = await startParley({
          name: 'parley-postgres',
          dataDir: pgDir,
          databaseUrl: `${PG}/${db}`,
          // Its own folder, so that its profile is told apart from the SQLite server's.
          ...(ctx.cpuProfDir ? { cpuProfDir: path.join(ctx.cpuProfDir, 'postgres') } : {}),
        });
        // PostgreSQL's own CPU beside the server's: on this machine its backends share the cores.
        return {
          ...target,
          sample: () => {
            const databaseCpuSeconds = cpuSecondsOf('postgres');
            return { ...target.sample(), ...(databaseCpuSeconds === undefined ? {} : { databaseCpuSeconds }) };
          },
        };
      },
      cleanup: () => {
        psql(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
        rmSync(pgDir, { recursive: true, force: true });
      },
    });
  } else notes.push('PostgreSQL skipped (--no-postgres)');

  // Every server is set up first, then measured in rounds of turns (sizes.ts, measureRounds).
  const notesOf = new Map<string, string[]>(runs.map((run) => [run.name, []]));
  const loaded = new Map<string, Loaded>();
  const roundsOf = new Map<string, Figures[]>();
  try {
    for (const run of runs) {
      try {
        loaded.set(run.name, await load(ctx, await run.start()));
      } catch (error) {
        notesOf.get(run.name)?.push(`${run.name} failed: ${String(error)}`);
        ctx.log(`many rooms: ${run.name} failed: ${String(error)}`);
      }
    }
    for (let round = 1; round <= ctx.size.measureRounds; round += 1) {
      for (const [name, entry] of loaded) {
        const own = notesOf.get(name) ?? [];
        try {
          const figures = await measure(ctx, entry, own, round);
          roundsOf.set(name, [...(roundsOf.get(name) ?? []), figures]);
        } catch (error) {
          own.push(`${name} failed in round ${round}: ${String(error)}`);
          ctx.log(`many rooms: ${name} failed in round ${round}: ${String(error)}`);
        }
      }
    }
  } finally {
    for (const entry of loaded.values()) await entry.generator.stop();
    for (const entry of loaded.values()) await entry.target.stop();
    for (const run of runs) run.cleanup?.();
  }
  const figures = new Map<string, Figures>();
  for (const [name, rounds] of roundsOf) {
    const median = medianRound(name, rounds, 'ackedPerSec');
    figures.set(name, median.figures);
    const own = notesOf.get(name) ?? [];
    own.push(...median.notes);
    own.push(...limitNote(name, median.figures.serverCoreBusy ?? NaN, median.figures.loadCoreBusy ?? NaN));
  }
  for (const run of ['parley-sqlite', 'parley-postgres']) {
    notesOf
      .get(run)
      ?.push(
        ...roundRatiosNote(
          `${run}/relay-frame`,
          roundsOf.get(run) ?? [],
          roundsOf.get('relay-frame') ?? [],
          'ackedPerSec',
        ),
      );
  }
  const frame = figures.get('relay-frame') ?? {};
  const batched = figures.get('relay-batched') ?? {};
  const baseNotes = [
    ...(notesOf.get('relay-frame') ?? []),
    ...(notesOf.get('relay-batched') ?? []),
    ...fairPayloadNote(ctx),
  ];
  const results: ScenarioResult[] = [];
  for (const [db, run] of [
    ['sqlite', 'parley-sqlite'],
    ['postgres', 'parley-postgres'],
  ] as const) {
    const own = [...(notesOf.get(run) ?? []), ...baseNotes];
    if (db === 'postgres') {
      if (!ctx.postgres) continue;
      own.push('PostgreSQL itself is not pinned: its backends share both cores with the server and the generator');
      own.push(
        "databaseCpu, databaseUsPerAck: every postgres process's CPU on this machine over the window, ended backends included (Parley's only; absent when PostgreSQL runs elsewhere)",
      );
      own.push(...parityNote(figures.get(run) ?? {}, frame));
    }
    results.push(
      scenario(`many-rooms-${db}`, ctx.size.name, figures.get(run) ?? {}, frame, batched, [...notes, ...own]),
    );
  }
  return results;
}

interface Loaded {
  target: Target;
  generator: Generator;
  plan: ClientPlan;
}

/** Sets a server up (for Parley: users, a room each) and plans its clients. */
async function load(ctx: BenchContext, target: Target): Promise<Loaded> {
  const { size } = ctx;
  const generator = Generator.start(target);
  try {
    const clients = size.rooms * size.roomClients;
    let roomIds = Array.from({ length: size.rooms }, (_, i) => String(i));
    let tokens: string[] = [];
    if (target.kind === 'parley') {
      await ensureMessageBytes(ctx, target);
      // A user per room: membership is per user, so a user in two rooms would get both on every connection.
      ctx.log(`many rooms: registering ${size.rooms} users on ${target.name}`);
      const users = await registerUsers(target.url, size.rooms);
      roomIds = await roomPerUser(target.url, users, size.roomClients + 1);
      tokens = Array.from({ length: clients }, (_, i) => users[Math.floor(i / size.roomClients)]?.token ?? '');
    }
    const plan: ClientPlan = {
      roomIds,
      rooms: Array.from({ length: clients }, (_, i) => Math.floor(i / size.roomClients)),
      tokens,
      pollingFraction: 0,
      probeEvery: 0,
      concurrency: 200,
      messageBytes: ctx.messageBytes,
    };
    return { target, generator, plan };
  } catch (error) {
    await generator.stop();
    await target.stop();
    throw error;
  }
}

/**
 * One round on a set-up server: its clients connect, everyone sends, each waiting for its ack,
 * and the clients close again. Only the measured server holds connections: with every server's
 * 5,000 clients connected at once, relay-frame's µs per ack rose from ~95 to ~155 (two runs).
 */
async function measure(ctx: BenchContext, loaded: Loaded, notes: string[], round: number): Promise<Figures> {
  const { target, generator, plan } = loaded;
  ctx.log(`many rooms: connecting ${plan.rooms.length} clients to ${target.name}`);
  try {
    return await measureConnected(ctx, loaded, notes, round);
  } finally {
    // A failed round closes its clients too: the next server's round must not share the cores with them.
    await generator.run({ cmd: 'close' }).catch(() => undefined);
  }
}

async function measureConnected(ctx: BenchContext, loaded: Loaded, notes: string[], round: number): Promise<Figures> {
  const { size } = ctx;
  const { target, generator, plan } = loaded;
  const connected = await generator.run<ConnectResult>({ cmd: 'connect', plan, settleMs: size.settleMs });
  await generator.run({ cmd: 'ready' });
  notes.push(...(await quietNote(ctx, target.name)));
  const of = size.measureRounds > 1 ? ` (round ${round} of ${size.measureRounds})` : '';
  ctx.log(`many rooms: everyone sends on ${target.name}${of}`);
  const { result, marks } = await generator.run<LoadResult>({
    cmd: 'everyone',
    warmupMs: size.warmupMs,
    durationMs: size.durationMs,
  });
  return {
    clients: connected.result.connected,
    ackedPerSec: result.acked / result.seconds,
    deliveriesPerSec: result.deliveries / result.seconds,
    ackP50Ms: result.latency.p50Ms,
    ackP99Ms: result.latency.p99Ms,
    ackP999Ms: result.latency.p999Ms,
    serverCpu: Generator.serverCpu(marks),
    serverUsPerDelivery: serverUsPer(result.deliveries, marks.start, marks.end),
    serverUsPerAck: serverUsPer(result.acked, marks.start, marks.end),
    generatorCpu: result.generatorCpu,
    serverCoreBusy: Generator.cores(marks).serverCore,
    loadCoreBusy: Generator.cores(marks).loadCore,
    ...databaseFigures(result.acked, marks.start, marks.end),
  };
}

/**
 * What relay-frame's rate would take of this machine with Parley's server, PostgreSQL and the
 * load generator each spending per acknowledged message what they spent in this run: all three
 * share its cores, so this says how far the server alone would have to go (issue 17).
 */
export function parityNote(parley: Figures, frame: Figures, cores = cpus().length): string[] {
  const rate = frame.ackedPerSec;
  const { serverUsPerAck, databaseUsPerAck, ackedPerSec, generatorCpu } = parley;
  if (!rate || !ackedPerSec || serverUsPerAck === undefined || databaseUsPerAck === undefined) return [];
  const generatorUsPerAck = ((generatorCpu ?? 0) / ackedPerSec) * 1e6;
  const needed = ((serverUsPerAck + databaseUsPerAck + generatorUsPerAck) * rate) / 1e6;
  const serverBudget = (cores * 1e6) / rate - databaseUsPerAck - generatorUsPerAck;
  const us = (value: number) => value.toFixed(1);
  return [
    `at relay-frame's ${Math.round(rate).toLocaleString('en-US')} acked/s, Parley's server (${us(serverUsPerAck)} µs per ack), ` +
      `PostgreSQL (${us(databaseUsPerAck)}) and the load generator (${us(generatorUsPerAck)}) would take ` +
      `${needed.toFixed(2)} of this machine's ${cores} cores; with PostgreSQL and the generator as they are, ` +
      `the server could spend ${serverBudget > 0 ? `${us(serverBudget)} µs per ack` : 'nothing'} ` +
      `(relay-frame's server: ${us(frame.serverUsPerAck ?? NaN)})`,
  ];
}

/** PostgreSQL's CPU over the window, as a share of one core and per acknowledged message. */
function databaseFigures(acked: number, from: Sample | undefined, to: Sample | undefined): Figures {
  if (from?.databaseCpuSeconds === undefined || to?.databaseCpuSeconds === undefined) return {};
  const cpuSeconds = to.databaseCpuSeconds - from.databaseCpuSeconds;
  return {
    // The server's own share, computed on PostgreSQL's seconds instead.
    databaseCpu: cpuShare(
      { ...from, cpuSeconds: from.databaseCpuSeconds },
      { ...to, cpuSeconds: to.databaseCpuSeconds },
    ),
    databaseUsPerAck: acked > 0 ? (cpuSeconds * 1e6) / acked : 0,
  };
}
