import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { medianRound, roundRatiosNote, type BenchReport, type ScenarioResult } from './src/results.js';
import { parityNote } from './src/scenarios/many-rooms.js';
import { sizes } from './src/sizes.js';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsc = path.join(root, 'node_modules/.bin/tsc');
const out = mkdtempSync(path.join(tmpdir(), 'parley-bench-test-'));
const tiny = sizes.tiny;
let report: BenchReport;
let stdout: string;

/**
 * Runs the real bench (servers pinned apart, load generator, relays, SQLite and PostgreSQL) at
 * its tiny size and checks that what it reports is well formed and sane — never that it is fast:
 * speed is measured by `npm run bench`, not asserted in a timed test.
 */
beforeAll(async () => {
  await run(tsc, ['-b', 'packages/server', 'packages/sdk'], { cwd: root });
  await run(tsc, ['-p', 'bench/tsconfig.json'], { cwd: root });
  const json = path.join(out, 'latest.json');
  const args = ['bench/dist/main.js', '--tiny', '--out', json, '--svg', path.join(out, 'chart.svg')];
  // About a minute on a quiet machine. Every server and generator is a fresh Node process (a
  // warm one would favour whoever ran before): on a machine others' tests keep busy, starting
  // them takes seconds each and the run several minutes; the margin is for that.
  ({ stdout } = await run(process.execPath, args, { cwd: root, timeout: 400_000 }));
  report = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
}, 540_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

const byName = (name: string): ScenarioResult => {
  const found = report.scenarios.find((s) => s.name === name);
  if (!found) throw new Error(`scenario ${name} missing`);
  return found;
};

const systems = (s: ScenarioResult) => [
  s.parley,
  s.baseline['relay-frame'],
  s.baseline['relay-batched'],
  ...(s.baseline['socketio-bare'] ? [s.baseline['socketio-bare']] : []),
];

describe('npm run bench --tiny', () => {
  it('describes the machine and every scenario of issues 6 and 17', () => {
    expect(report.machine.cpus).toBeGreaterThan(0);
    expect(report.machine.cpuModel.length).toBeGreaterThan(0);
    expect(report.node).toBe(process.version);
    expect(report.scenarios.map((s) => s.name).sort()).toEqual(
      [
        'connect-storm',
        'fan-out',
        'fan-out-long-polling',
        'fan-out-scale',
        'idle-memory',
        'many-rooms-postgres',
        'many-rooms-sqlite',
        'reconnect-storm',
      ].sort(),
    );
    for (const s of report.scenarios) expect(s.size).toBe('tiny');
  });

  it('gives every figure as a finite number, and every ratio as parley over the baseline', () => {
    for (const s of report.scenarios) {
      expect(Object.keys(s.parley).length).toBeGreaterThan(0);
      for (const figures of systems(s)) for (const v of Object.values(figures)) expect(Number.isFinite(v)).toBe(true);
      // Figures a baseline does not have (a relay's catch-up) have no ratio; a zero has none either.
      const ratioOf = (value: number, base: number | undefined) =>
        base === undefined || base === 0 ? undefined : value / base;
      for (const [key, value] of Object.entries(s.parley)) {
        const check = (got: number | undefined, want: number | undefined) =>
          want === undefined ? expect(got).toBeUndefined() : expect(got).toBeCloseTo(want, 9);
        check(s.ratio[key], ratioOf(value, s.baseline['relay-frame'][key]));
        check(s.ratioBatched[key], ratioOf(value, s.baseline['relay-batched'][key]));
        const socketIo = s.baseline['socketio-bare'];
        if (socketIo) check(s.ratioSocketIo?.[key], ratioOf(value, socketIo[key]));
      }
    }
    expect(byName('fan-out').ratio.deliveriesPerSec).toBeGreaterThan(0);
  });

  it('measures the server CPU per delivery in every load scenario, from its process time', () => {
    for (const name of ['fan-out', 'fan-out-long-polling', 'many-rooms-sqlite', 'many-rooms-postgres']) {
      for (const f of systems(byName(name))) {
        // /proc counts CPU in 10 ms ticks: a tiny window can round a relay's share down to nothing.
        expect(f.serverUsPerDelivery, name).toBeGreaterThanOrEqual(0);
        // The same CPU time as serverCpu, per delivery instead of per second (the two windows'
        // clocks are the orchestrator's and the generator's: they differ a little on a busy machine).
        const fromShare = (f.serverCpu! * 1e6) / f.deliveriesPerSec!;
        if (f.serverUsPerDelivery === 0) expect(f.serverCpu, name).toBe(0);
        else expect(fromShare / f.serverUsPerDelivery!, name).toBeGreaterThan(0.7);
        if (f.serverUsPerDelivery !== 0) expect(fromShare / f.serverUsPerDelivery!, name).toBeLessThan(1.3);
      }
    }
  });

  it("pads the relays' messages to the measured size of a Parley message", () => {
    const note = byName('fan-out').notes.find((n) => n.startsWith('relay messages are padded to'));
    expect(note).toBeDefined();
    const bytes = Number(/padded to (\d+) bytes/.exec(note ?? '')?.[1]);
    // A Message's JSON: ids, seq, clientMsgId, sender, the ~80-byte stamped body, sentAt.
    expect(bytes).toBeGreaterThan(200);
    expect(bytes).toBeLessThan(2000);
    expect(byName('many-rooms-sqlite').notes).toContain(note);
  });

  it('measures fan-out at every room size of the scale table, and the memory at the largest', () => {
    const s = byName('fan-out-scale');
    const members = [...tiny.scaleMembers].sort((a, b) => a - b);
    for (const f of systems(s)) {
      for (const m of members) {
        for (const key of ['usPerDelivery', 'rateUsPerDelivery', 'latencyP99Ms', 'deliveriesPerSec']) {
          expect(f[`${key}@${m}`], `${key}@${m}`).toBeGreaterThanOrEqual(0);
        }
        expect(f[`deliveriesPerSec@${m}`]).toBeGreaterThan(0);
      }
      expect(Number.isFinite(f[`rssPerConnectionKiB@${members[members.length - 1]}`])).toBe(true);
    }
    // The fan-out scenario's own size is its figures, not a second measurement.
    expect(s.parley[`deliveriesPerSec@${tiny.fanoutClients}`]).toBe(byName('fan-out').parley.deliveriesPerSec);
  });

  it('brings every client of the reconnect storm back with every message it missed', () => {
    const s = byName('reconnect-storm');
    const p = s.parley;
    expect(p.clients).toBe(tiny.reconnectClients);
    expect(p.caughtUp).toBe(tiny.reconnectClients);
    expect(p.joinErrors).toBe(0);
    expect(p.missedExpected).toBe(tiny.reconnectClients * tiny.missedPerRoom);
    expect(p.missedReceived).toBe(p.missedExpected);
    for (const f of systems(s)) {
      expect(f.clients).toBe(tiny.reconnectClients);
      expect(f.serverUsPerReconnection).toBeGreaterThanOrEqual(0);
      expect(f.serverUsPerReconnection).toBeCloseTo((f.serverCpuSeconds! * 1e6) / f.clients!, 6);
      expect(f.rssPeakMiB).toBeGreaterThanOrEqual(f.rssAfterMiB!);
    }
    // The yardstick of issue 17: a bare Socket.IO server's plain connections.
    expect(s.baseline['socketio-bare']?.serverUsPerReconnection).toBeGreaterThan(0);
    expect(s.ratioSocketIo?.serverUsPerReconnection).toBeGreaterThan(0);
  });

  it('measures fan-out throughput and latency on every receiver, at one rate for all', () => {
    for (const name of ['fan-out', 'fan-out-long-polling']) {
      const s = byName(name);
      for (const [system, f] of Object.entries({ parley: s.parley, ...s.baseline })) {
        const at = `${name}, ${system}: ${JSON.stringify(f)}`;
        expect(f.receivers, at).toBe(tiny.fanoutClients);
        expect(f.deliveriesPerSec, at).toBeGreaterThan(0);
        // Every delivery is one message to one receiver: whole messages per second, all receivers.
        expect(f.messagesPerSec! * tiny.fanoutClients, at).toBeCloseTo(f.deliveriesPerSec!, 6);
        expect(f.serverCpu, at).toBeGreaterThan(0);
        expect(f.serverCpu, at).toBeLessThan(1.2);
        expect(f.latencySamples, at).toBeGreaterThan(0);
        expect(f.latencyP50Ms, at).toBeGreaterThan(0);
        expect(f.latencyP99Ms, at).toBeGreaterThanOrEqual(f.latencyP50Ms!);
        expect(f.latencyP999Ms, at).toBeGreaterThanOrEqual(f.latencyP99Ms!);
        expect(f.rateMessagesPerSec, at).toBe(s.parley.rateMessagesPerSec);
        // At the fixed rate every receiver gets every message, once: no more than that can arrive,
        // and (allowing for a window cut mid-flight on a busy CI machine) not much less.
        const expected = f.rateMessagesPerSec! * tiny.fanoutClients;
        expect(f.rateDeliveriesPerSec, at).toBeLessThanOrEqual(expected * 1.25);
        expect(f.rateDeliveriesPerSec, at).toBeGreaterThan(expected * 0.3);
      }
    }
  });

  it('measures the durable path on SQLite and PostgreSQL, each acked message delivered to its room', () => {
    for (const name of ['many-rooms-sqlite', 'many-rooms-postgres']) {
      for (const f of systems(byName(name))) {
        expect(f.clients).toBe(tiny.rooms * tiny.roomClients);
        expect(f.ackedPerSec).toBeGreaterThan(0);
        // Each message reaches the clients of its room, sender included, and no one else.
        expect(f.deliveriesPerSec! / f.ackedPerSec!).toBeGreaterThan(tiny.roomClients * 0.6);
        expect(f.deliveriesPerSec! / f.ackedPerSec!).toBeLessThan(tiny.roomClients * 1.4);
        expect(f.ackP99Ms).toBeGreaterThanOrEqual(f.ackP50Ms!);
      }
    }
    // PostgreSQL's own CPU is read beside Parley's on PostgreSQL, and only there.
    const postgres = byName('many-rooms-postgres');
    expect(postgres.parley.databaseCpu).toBeGreaterThanOrEqual(0);
    expect(postgres.parley.databaseUsPerAck).toBeGreaterThanOrEqual(0);
    expect(byName('many-rooms-sqlite').parley.databaseCpu).toBeUndefined();
    expect(postgres.baseline['relay-frame'].databaseCpu).toBeUndefined();
    expect(postgres.notes.some((note) => note.startsWith("at relay-frame's"))).toBe(true);
  });

  it('connects every client in the storm and measures the server memory they hold', () => {
    expect(byName('connect-storm').baseline['socketio-bare']).toBeDefined();
    for (const f of systems(byName('connect-storm'))) {
      expect(f.connected).toBe(tiny.stormClients);
      expect(f.connectionsPerSec).toBeGreaterThan(0);
      expect(f.lastConnectionMs).toBeGreaterThan(0);
      expect(f.serverUsPerConnection).toBeGreaterThanOrEqual(0);
    }
    for (const f of systems(byName('idle-memory'))) {
      expect(f.connections).toBe(tiny.stormClients);
      expect(f.rssBeforeMiB).toBeGreaterThan(10);
      expect(f.rssAfterMiB).toBeGreaterThan(10);
      // At this size RSS noise can outweigh the connections: only the arithmetic is checked.
      expect(f.rssPerConnectionKiB).toBeCloseTo(((f.rssAfterMiB! - f.rssBeforeMiB!) * 1024) / tiny.stormClients, 6);
    }
  });

  it('prints the table and draws the chart', () => {
    expect(stdout).toMatch(/## fan-out \(tiny\)\n\s+parley\s+relay-frame\s+relay-batched\s+parley\/frame/);
    const svg = readFileSync(path.join(out, 'chart.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('relay-batched');
  });

  it('measures the HTTP floor under a poll: every form answers and is given a CPU cost', async () => {
    // Built by beforeAll with the rest of the bench.
    const floor = await run(process.execPath, ['bench/dist/http-floor.js', '--tiny'], { cwd: root, timeout: 60_000 });
    for (const form of ['raw-tcp', 'node-http', 'engine-io']) {
      const round = new RegExp(`round 1 ${form}: ([\\d.]+) µs .*\\((\\d+) answered\\)`).exec(floor.stdout);
      expect(round, form).not.toBeNull();
      // 20 connections, 10 answers a second each, for a second: most of them, whatever the host.
      expect(Number(round?.[2])).toBeGreaterThan(100);
      // /proc counts CPU in 10 ms ticks: at this size a form may round to 0 µs, never below.
      expect(Number(round?.[1])).toBeGreaterThanOrEqual(0);
      expect(floor.stdout).toContain(`${form}: median ${round?.[1]} µs`);
    }
  });
});

describe('what parity with relay-frame would take (many rooms on PostgreSQL)', () => {
  it("adds up the server's, PostgreSQL's and the generator's CPU per ack at relay-frame's rate", () => {
    // The figures of a quick run (21:57, 2026-11-30).
    const parley = { ackedPerSec: 12_478, serverUsPerAck: 62.48, databaseUsPerAck: 47.97, generatorCpu: 0.384 };
    const frame = { ackedPerSec: 23_495, serverUsPerAck: 39.67 };
    // Generator 30.8 µs per ack; (62.48 + 47.97 + 30.77) × 23,495 / 1e6 = 3.32 cores; 2e6 / 23,495 − 47.97 − 30.77 = 6.4 µs.
    expect(parityNote(parley, frame, 2)).toEqual([
      "at relay-frame's 23,495 acked/s, Parley's server (62.5 µs per ack), PostgreSQL (48.0) and the load generator (30.8) would take 3.32 of this machine's 2 cores; with PostgreSQL and the generator as they are, the server could spend 6.4 µs per ack (relay-frame's server: 39.7)",
    ]);
    expect(parityNote({ ...parley, databaseUsPerAck: 90 }, frame, 2)[0]).toContain('the server could spend nothing');
    // Without PostgreSQL's own CPU (it runs elsewhere) there is nothing to add up.
    expect(parityNote({ ackedPerSec: 12_478, serverUsPerAck: 62.48, generatorCpu: 0.384 }, frame, 2)).toEqual([]);
  });
});

describe('rounds in turns (many rooms, reconnect storm)', () => {
  it("shows each server's median round by the key figure, and every round in a note", () => {
    const rounds = [
      { ackedPerSec: 900, serverUsPerAck: 1 },
      { ackedPerSec: 700, serverUsPerAck: 2 },
      { ackedPerSec: 800, serverUsPerAck: 3 },
    ];
    const { figures, notes } = medianRound('parley', rounds, 'ackedPerSec');
    expect(figures).toBe(rounds[2]);
    expect(notes).toEqual(["parley: ackedPerSec of each round 900, 700, 800; the median round's figures are shown"]);
    // An even count takes the lower middle one; an unmeasured round does not count.
    expect(medianRound('r', [{ x: 4 }, { x: 1 }, { x: NaN }, { x: 3 }, { x: 2 }], 'x').figures).toEqual({ x: 2 });
    expect(medianRound('one', [{ x: 5 }], 'x')).toEqual({ figures: { x: 5 }, notes: [] });
  });

  it('puts the ratio of each round in a note, round by round', () => {
    const parley = [{ us: 300 }, { us: 330 }];
    const bare = [{ us: 200 }, { us: 300 }];
    expect(roundRatiosNote('parley/bare', parley, bare, 'us')).toEqual([
      'parley/bare us, round by round: 1.50×, 1.10×',
    ]);
    expect(roundRatiosNote('parley/bare', parley.slice(1), bare.slice(1), 'us')).toEqual([]);
  });
});
