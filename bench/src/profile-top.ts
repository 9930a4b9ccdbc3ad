import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Prints the top self-time functions of a V8 .cpuprofile (as written by `node --cpu-prof`), so
 * that a bench run can say where the server's time goes.
 * Usage: node dist/profile-top.js <file|dir> [n] [--after-idle=MS] [--under=FUNCTION]
 * (see afterFirstIdle and under)
 */
interface ProfileNode {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  where: string;
  ms: number;
  share: number;
}

/** Where a frame's code lives: a package, node's own code, the server's code, or V8 itself. */
function owner(url: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.startsWith('node:')) return 'node (internals)';
  if (url.includes('/packages/')) return `parley (${/packages\/([^/]+)/.exec(url)?.[1] ?? '?'})`;
  return url ? url : 'native / V8';
}

/** Self time per owner, as shares of the busy time (idle excluded). */
export function selfTimeByOwner(profile: Profile): { owner: string; share: number }[] {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const node = byNode.get(id);
    if (!node || node.callFrame.functionName === '(idle)') return;
    const delta = profile.timeDeltas[i] ?? 0;
    busy += delta;
    const key = owner(node.callFrame.url);
    totals.set(key, (totals.get(key) ?? 0) + delta);
  });
  return [...totals]
    .map(([key, us]) => ({ owner: key, share: us / Math.max(1, busy) }))
    .sort((a, b) => b.share - a.share);
}

/** The functions with the most total (self + callees) time: which paths the busy time runs through. */
export function topTotalTime(profile: Profile, count: number): SelfTime[] {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const totals = new Map<string, SelfTime>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    if (byNode.get(id)?.callFrame.functionName === '(idle)') return;
    const delta = profile.timeDeltas[i] ?? 0;
    busy += delta;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byNode.get(at)?.callFrame;
      if (!frame || frame.functionName === '(root)') continue;
      const where = `${frame.url.replace(/.*node_modules\//, '').replace(/^file:\/\/.*\/packages\//, '')}:${frame.lineNumber + 1}`;
      const key = `${frame.functionName}@${where}`;
      if (seen.has(key)) continue; // recursion counts once per sample
      seen.add(key);
      const entry = totals.get(key) ?? { name: frame.functionName || '(anonymous)', where, ms: 0, share: 0 };
      entry.ms += delta / 1000;
      totals.set(key, entry);
    }
  });
  return [...totals.values()]
    .sort((a, b) => b.ms - a.ms)
    .slice(0, count)
    .map((e) => ({ ...e, share: (e.ms * 1000) / Math.max(1, busy) }));
}

/** The functions with the most self time, as shares of the busy time (idle excluded). */
export function topSelfTime(profile: Profile, count: number): SelfTime[] {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<string, { name: string; where: string; us: number }>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byNode.get(id);
    const delta = profile.timeDeltas[i] ?? 0;
    if (!node || node.callFrame.functionName === '(idle)') return;
    total += delta;
    const frame = node.callFrame;
    const file = frame.url.replace(/^file:\/\//, '').replace(/.*node_modules\//, '');
    const where = file ? `${file}:${frame.lineNumber + 1}` : '';
    const key = `${frame.functionName}@${where}`;
    const entry = selfUs.get(key) ?? { name: frame.functionName || '(anonymous)', where, us: 0 };
    entry.us += delta;
    selfUs.set(key, entry);
  });
  return [...selfUs.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, count)
    .map((e) => ({ name: e.name, where: e.where, ms: e.us / 1000, share: e.us / Math.max(1, total) }));
}

function newestProfile(target: string): string {
  if (!statSync(target).isDirectory()) return target;
  const files = readdirSync(target)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => path.join(target, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (!files[0]) throw new Error(`no .cpuprofile in ${target}`);
  return files[0];
}

/**
 * The profile from the end of its first idle stretch of at least `ms` on: a server's start-up
 * (loading modules, migrations) is busy, then it idles until the load arrives. With it, a
 * profile of the reconnect storm's server shows the storm rather than the start-up.
 */
export function afterFirstIdle(profile: Profile, ms: number): Profile {
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  let stretchUs = 0;
  for (let i = 0; i < profile.samples.length; i += 1) {
    if (idle.has(profile.samples[i] ?? -1)) {
      stretchUs += profile.timeDeltas[i + 1] ?? 0;
      continue;
    }
    if (stretchUs >= ms * 1000) {
      return { ...profile, samples: profile.samples.slice(i), timeDeltas: profile.timeDeltas.slice(i) };
    }
    stretchUs = 0;
  }
  return { ...profile, samples: [], timeDeltas: [] };
}

/** Only the samples with a frame named `name` on their stack: one path's cost, broken down. */
export function under(profile: Profile, name: string): Profile {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const keep = (id: number) => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      if (byId.get(at)?.callFrame.functionName === name) return true;
    }
    return false;
  };
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  profile.samples.forEach((id, i) => {
    if (!keep(id)) return;
    samples.push(id);
    timeDeltas.push(profile.timeDeltas[i] ?? 0);
  });
  return { ...profile, samples, timeDeltas };
}

if (process.argv[1]?.endsWith('profile-top.js')) {
  const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const skip = /^--after-idle=(\d+)$/.exec(process.argv.find((a) => a.startsWith('--after-idle=')) ?? '')?.[1];
  const file = newestProfile(args[0] ?? '.');
  const whole = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const from = skip ? afterFirstIdle(whole, Number(skip)) : whole;
  if (skip) console.log(`(from the end of the first idle stretch of ${skip} ms on: ${from.samples.length} samples)`);
  const path = /^--under=(.+)$/.exec(process.argv.find((a) => a.startsWith('--under=')) ?? '')?.[1];
  const profile = path ? under(from, path) : from;
  if (path) console.log(`(only samples under ${path}: ${profile.samples.length}; shares are of those)`);
  console.log(`${file}\nself time, share of the busy (non-idle) time:`);
  for (const e of topSelfTime(profile, Number(args[1] ?? 25))) {
    const ms = e.ms.toFixed(0).padStart(7);
    console.log(`${(e.share * 100).toFixed(1).padStart(5)} %  ${ms} ms  ${e.name}  ${e.where}`);
  }
  console.log('\ntotal time (self + callees), share of the busy time:');
  for (const e of topTotalTime(profile, Number(args[1] ?? 25))) {
    console.log(`${(e.share * 100).toFixed(1).padStart(5)} %  ${e.name}  ${e.where}`);
  }
  console.log('\nby owner:');
  for (const e of selfTimeByOwner(profile).slice(0, 15)) {
    console.log(`${(e.share * 100).toFixed(1).padStart(5)} %  ${e.owner}`);
  }
}
