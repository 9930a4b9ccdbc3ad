import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchReport, ScenarioResult } from './src/results.js';
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
  ({ stdout } = await run(process.execPath, args, { cwd: root, timeout: 110_000 }));
  report = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
}, 180_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

const byName = (name: string): ScenarioResult => {
  const found = report.scenarios.find((s) => s.name === name);
  if (!found) throw new Error(`scenario ${name} missing`);
  return found;
};

const systems = (s: ScenarioResult) => [s.parley, s.baseline['relay-frame'], s.baseline['relay-batched']];

describe('npm run bench --tiny', () => {
  it('describes the machine and every scenario of issue 6', () => {
    expect(report.machine.cpus).toBeGreaterThan(0);
    expect(report.machine.cpuModel.length).toBeGreaterThan(0);
    expect(report.node).toBe(process.version);
    expect(report.scenarios.map((s) => s.name).sort()).toEqual(
      [
        'connect-storm',
        'fan-out',
        'fan-out-long-polling',
        'idle-memory',
        'many-rooms-postgres',
        'many-rooms-sqlite',
      ].sort(),
    );
    for (const s of report.scenarios) expect(s.size).toBe('tiny');
  });

  it('gives every figure as a finite number, and every ratio as parley over the baseline', () => {
    for (const s of report.scenarios) {
      expect(Object.keys(s.parley).length).toBeGreaterThan(0);
      for (const figures of systems(s)) for (const v of Object.values(figures)) expect(Number.isFinite(v)).toBe(true);
      for (const [key, value] of Object.entries(s.parley)) {
        expect(s.ratio[key]).toBeCloseTo(value / (s.baseline['relay-frame'][key] ?? NaN), 9);
        expect(s.ratioBatched[key]).toBeCloseTo(value / (s.baseline['relay-batched'][key] ?? NaN), 9);
      }
    }
    expect(byName('fan-out').ratio.deliveriesPerSec).toBeGreaterThan(0);
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
  });

  it('connects every client in the storm and measures the server memory they hold', () => {
    for (const f of systems(byName('connect-storm'))) {
      expect(f.connected).toBe(tiny.stormClients);
      expect(f.connectionsPerSec).toBeGreaterThan(0);
      expect(f.lastConnectionMs).toBeGreaterThan(0);
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
});
