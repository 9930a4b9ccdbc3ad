import { register } from '@parley/sdk';
import { checkHealth, createHealthAccounts, type HealthAccounts } from './health.js';
import { runHttpSession } from './http-target.js';
import { runPollingSession } from './polling-target.js';
import { Prng } from './prng.js';
import { startServerProcess, type ServerProcess } from './server-process.js';
import { emptyCounts, RecentInputs, type SessionRunner, type TargetContext, type TargetCounts } from './target.js';
import { runWebSocketSession } from './websocket-target.js';

export const TARGETS = {
  websocket: runWebSocketSession,
  polling: runPollingSession,
  http: runHttpSession,
} satisfies Record<string, SessionRunner>;
export type TargetName = keyof typeof TARGETS;

export interface FuzzOptions {
  seed: number;
  /** Packets to send at each target. */
  packetsPerTarget: number;
  /** Per-target overrides of packetsPerTarget (HTTP requests cost the most, each its own request). */
  packetsByTarget?: Partial<Record<TargetName, number>>;
  /** Packets between two health checks. */
  batchPackets: number;
  /** Sessions running at once against one target. */
  concurrency: number;
  maxRssMb: number;
  skipKnownCrashes: boolean;
  /** After this many violations the run stops (a crash or failed health check restarts the server). */
  maxViolations: number;
  targets: TargetName[];
  log: (line: string) => void;
}

export const DEFAULT_OPTIONS: Omit<FuzzOptions, 'seed' | 'log'> = {
  packetsPerTarget: 100_000,
  batchPackets: 5000,
  concurrency: 16,
  maxRssMb: 1024,
  skipKnownCrashes: false,
  maxViolations: 5,
  targets: ['websocket', 'polling', 'http'],
};

export interface Violation {
  target: TargetName;
  kind: 'crash' | 'health' | 'rss' | 'error log' | 'INTERNAL answer';
  detail: string;
  /** The last inputs sent to that target before it was seen. */
  lastInputs: string[];
}

export interface FuzzReport {
  seed: number;
  durationMs: number;
  counts: Record<TargetName, TargetCounts>;
  maxRssMb: number;
  healthChecks: number;
  violations: Violation[];
}

/** Accounts made for fuzzing: their tokens let hostile packets reach the event handlers. */
async function fuzzTokens(url: string, suffix: string): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < 4; i += 1) tokens.push((await register(url, `fuzzer_${i}_${suffix}`, 'fuzzer password')).token);
  return tokens;
}

interface Live {
  server: ServerProcess;
  /** How many of the server's error lines are already reported. */
  reportedErrors: number;
  accounts: HealthAccounts;
  tokens: string[];
}

/**
 * Every fuzzed packet comes from 127.0.0.1. With the default per-address limits the address gate
 * would refuse nearly all of them before they reach the parsers under test, and the health
 * check's own sign-ups and connections with them; those limits have tests of their own
 * (address-gate, auth-limits, room-limits).
 */
const LIFTED_PER_ADDRESS_LIMITS = {
  MAX_CONNECTIONS_PER_ADDRESS: '100000',
  CONNECTIONS_PER_ADDRESS_PER_MINUTE: '100000000',
  REGISTER_PER_IP_PER_HOUR: '1000000',
  LOGIN_MAX_IP_FAILURES: '1000000',
  ROOMS_PER_USER_PER_HOUR: '1000000',
};

async function boot(rng: Prng): Promise<Live> {
  const server = await startServerProcess(LIFTED_PER_ADDRESS_LIMITS);
  const suffix = rng.int(1_000_000).toString(36);
  return {
    server,
    reportedErrors: 0,
    accounts: await createHealthAccounts(server.url, suffix),
    tokens: await fuzzTokens(server.url, suffix),
  };
}

/** Sends `packets` at one target from `concurrency` sessions at a time; stops early if the server dies. */
async function runBatch(runner: SessionRunner, live: Live, contexts: TargetContext[], until: number): Promise<void> {
  await Promise.all(
    contexts.map(async (ctx) => {
      while (ctx.counts.packets < until && live.server.exit === undefined) {
        await runner(ctx).catch((error: unknown) => ctx.recent.add(`fuzzer session error: ${String(error)}`));
      }
    }),
  );
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const rng = new Prng(options.seed);
  const report: FuzzReport = {
    seed: options.seed,
    durationMs: 0,
    counts: { websocket: emptyCounts(), polling: emptyCounts(), http: emptyCounts() },
    maxRssMb: 0,
    healthChecks: 0,
    violations: [],
  };
  let live = await boot(rng);
  options.log(`server up on port ${live.server.port}`);
  try {
    for (const target of options.targets) {
      const counts = report.counts[target];
      const recent = new RecentInputs();
      const contexts: TargetContext[] = Array.from({ length: options.concurrency }, () => ({
        host: '127.0.0.1',
        port: live.server.port,
        rng: rng.fork(),
        counts,
        recent,
        tokens: live.tokens,
        skipKnownCrashes: options.skipKnownCrashes,
        serverAlive: () => live.server.exit === undefined,
      }));
      const packets = options.packetsByTarget?.[target] ?? options.packetsPerTarget;
      while (counts.packets < packets) {
        const until = Math.min(packets, counts.packets + options.batchPackets);
        await runBatch(TARGETS[target], live, contexts, until);
        options.log(`[${target}] batch sent`);
        const violation = await checkAfterBatch(live, options);
        report.healthChecks += 1;
        report.maxRssMb = Math.max(report.maxRssMb, live.server.rssMb() ?? 0);
        if (violation) {
          report.violations.push({ target, ...violation, lastInputs: recent.list() });
          options.log(`[${target}] ${violation.kind}: ${violation.detail}`);
        }
        if (live.server.exit !== undefined || violation?.kind === 'health') {
          if (violation?.kind === 'crash') counts.crashes += 1;
          if (report.violations.length >= options.maxViolations) return report;
          await live.server.stop();
          try {
            live = await boot(rng);
          } catch (error) {
            report.violations.push({
              target,
              kind: 'crash',
              detail: `restart failed: ${String(error)}`,
              lastInputs: [],
            });
            return report;
          }
          for (const ctx of contexts) Object.assign(ctx, { port: live.server.port, tokens: live.tokens });
        }
        options.log(`[${target}] ${counts.packets} packets, rss ${Math.round(live.server.rssMb() ?? 0)} MB`);
      }
      const internal = Object.entries(counts.answers).filter(([code]) => code.includes('INTERNAL'));
      if (internal.length > 0) {
        report.violations.push({ target, kind: 'INTERNAL answer', detail: JSON.stringify(internal), lastInputs: [] });
      }
    }
    return report;
  } finally {
    report.durationMs = Date.now() - started;
    await live.server.stop();
  }
}

async function checkAfterBatch(
  live: Live,
  options: FuzzOptions,
): Promise<Omit<Violation, 'target' | 'lastInputs'> | undefined> {
  // A crash may surface a moment after the packet that caused it.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const before = crashOf(live.server);
  if (before) return before;
  const unhealthy = await checkHealth(live.server.url, live.accounts);
  const during = crashOf(live.server);
  if (during) return during;
  if (unhealthy !== undefined) return { kind: 'health', detail: unhealthy };
  // An error-level line is an unexpected failure (e.g. a payload that made a handler throw).
  const errorLine = live.server.errorLines[live.reportedErrors];
  if (errorLine !== undefined) {
    live.reportedErrors = live.server.errorLines.length;
    return { kind: 'error log', detail: errorLine };
  }
  const rss = live.server.rssMb() ?? 0;
  if (rss > options.maxRssMb) return { kind: 'rss', detail: `RSS ${Math.round(rss)} MB > ${options.maxRssMb} MB` };
  return undefined;
}

function crashOf(server: ServerProcess): Omit<Violation, 'target' | 'lastInputs'> | undefined {
  if (server.exit === undefined) return undefined;
  return { kind: 'crash', detail: `server exited (${server.exit}):\n${server.tail().slice(-3000)}` };
}
