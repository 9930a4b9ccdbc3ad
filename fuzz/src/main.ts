import { parseArgs } from 'node:util';
import { formatReport } from './report.js';
import { DEFAULT_OPTIONS, runFuzz, TARGETS, type TargetName } from './run.js';

/**
 * `npm run fuzz -- [--seed N] [--packets N] [--targets websocket,polling,http] [--skip-known-crashes]`
 * Starts Parley as a child process, sends N mutated packets at each target, and exits 1 on a
 * crash, a failed health check or RSS over --max-rss-mb.
 */
const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    packets: { type: 'string' },
    batch: { type: 'string' },
    concurrency: { type: 'string' },
    'max-rss-mb': { type: 'string' },
    targets: { type: 'string' },
    'skip-known-crashes': { type: 'boolean', default: false },
  },
});

const number = (text: string | undefined, fallback: number) => {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`not a whole number: ${text}`);
  return value;
};

const targets = (values.targets?.split(',') ?? DEFAULT_OPTIONS.targets).map((name) => {
  if (!(name in TARGETS)) throw new Error(`unknown target ${name}; one of ${Object.keys(TARGETS).join(', ')}`);
  return name as TargetName;
});
const started = Date.now();
const seed = number(values.seed, Math.floor(Math.random() * 2 ** 31));
console.log(`fuzz: seed ${seed} (replay with --seed ${seed})`);
const report = await runFuzz({
  ...DEFAULT_OPTIONS,
  seed,
  packetsPerTarget: number(values.packets, DEFAULT_OPTIONS.packetsPerTarget),
  batchPackets: number(values.batch, DEFAULT_OPTIONS.batchPackets),
  concurrency: number(values.concurrency, DEFAULT_OPTIONS.concurrency),
  maxRssMb: number(values['max-rss-mb'], DEFAULT_OPTIONS.maxRssMb),
  skipKnownCrashes: values['skip-known-crashes'],
  targets,
  log: (line) => console.log(`${((Date.now() - started) / 1000).toFixed(1)}s ${line}`),
});
console.log(formatReport(report));
process.exitCode = report.violations.length > 0 ? 1 : 0;
