import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../..');
const clockTicks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** Server on core 0, load on core 1 (issue 6); on a one-core machine nothing can be pinned apart. */
export const pinned = cpus().length >= 2;
export const serverCore = '0';
export const loadCore = '1';

export interface Sample {
  at: number;
  cpuSeconds: number;
  rssBytes: number;
  /** The process's peak RSS so far (VmHWM). */
  peakRssBytes: number;
  /** Busy seconds of each core, whoever used them (softirq included: loopback traffic lands there). */
  coreBusy: number[];
  /** A server on PostgreSQL: CPU seconds of every `postgres` process (cpuSecondsOf). */
  databaseCpuSeconds?: number;
}

/** Busy time of every core from /proc/stat: everything but idle and iowait. */
export function coreBusySeconds(): number[] {
  return readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .filter((line) => /^cpu\d+ /.test(line))
    .map((line) => {
      const [, ...ticks] = line.trim().split(/\s+/).map(Number);
      const busy = ticks.slice(0, 8).reduce((sum, t, i) => (i === 3 || i === 4 ? sum : sum + t), 0);
      return busy / clockTicks;
    });
}

/**
 * Waits (at most maxMs) until no core is busier than `threshold` for half a second: this machine
 * is shared, and a window measured while others' tests run says little. Between windows every
 * server and generator of the bench is idle, so what is busy then is someone else. Returns the
 * busy shares of the last half second.
 */
export async function waitForQuiet(maxMs: number, threshold = 0.15): Promise<number[]> {
  const deadline = performance.now() + maxMs;
  for (;;) {
    const before = coreBusySeconds();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const shares = coreBusySeconds().map((busy, i) => (busy - (before[i] ?? 0)) / 0.5);
    if (Math.max(...shares) <= threshold || performance.now() >= deadline) return shares;
  }
}

/** Share of each core that was busy between two samples. */
export function coreShares(from: Sample, to: Sample): number[] {
  const seconds = (to.at - from.at) / 1000;
  return to.coreBusy.map((busy, i) => (busy - (from.coreBusy[i] ?? 0)) / seconds);
}

/** CPU time of the whole process (all threads) and its resident memory, from /proc. */
export function sampleProcess(pid: number): Sample {
  const fields = fieldsAfterName(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime: fields 14 and 15 of stat(5)
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kB = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
  return {
    at: performance.now(),
    cpuSeconds: ticks / clockTicks,
    rssBytes: kB('VmRSS'),
    peakRssBytes: kB('VmHWM'),
    coreBusy: coreBusySeconds(),
  };
}

/**
 * CPU seconds (user + system) of every process named `command` now, their reaped children's
 * included: for `postgres`, the postmaster, its helpers and every backend on this machine,
 * whoever they serve, and the backends that have ended (the postmaster reaps them, so their time
 * is in its children's). Undefined when no such process runs here (PostgreSQL elsewhere).
 */
export function cpuSecondsOf(command: string): number | undefined {
  let ticks = 0;
  let found = false;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // ended since the listing
    }
    if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== command) continue;
    found = true;
    // utime, stime, cutime, cstime: fields 14-17 of stat(5).
    const fields = fieldsAfterName(stat);
    ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  }
  return found ? ticks / clockTicks : undefined;
}

/**
 * The fields of a /proc/<pid>/stat line after the process's name, which is in parentheses and
 * may itself hold spaces and parentheses: fields[0] is stat(5)'s field 3 (state).
 */
function fieldsAfterName(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Share of one core used between two samples. */
export function cpuShare(from: Sample, to: Sample): number {
  return (to.cpuSeconds - from.cpuSeconds) / ((to.at - from.at) / 1000);
}

/** Pins this process (the orchestrator, and the SDK set-up it runs) to the load generator's core. */
export function pinSelf(): void {
  if (pinned) execFileSync('taskset', ['-a', '-cp', loadCore, String(process.pid)], { stdio: 'ignore' });
}

/**
 * Spawns `node args…` through a shell that raises the open-file limit to its hard maximum
 * (thousands of sockets) and pins it to a core; `exec` keeps the pid, so /proc/<pid> is node's.
 */
export function spawnNode(core: string, args: string[], env: NodeJS.ProcessEnv, ipc = false): ChildProcess {
  const pin = pinned ? `taskset -c ${core} ` : '';
  const child = spawn('sh', ['-c', `ulimit -n "$(ulimit -Hn)"; exec ${pin}"$0" "$@"`, process.execPath, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'inherit', ...(ipc ? (['ipc'] as const) : [])],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Whatever happens to the orchestrator, no server or generator outlives it. */
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface Target {
  name: string;
  /** Which clients it speaks to: Parley's and bare Socket.IO's speak Socket.IO, a relay's plain frames. */
  kind: 'parley' | 'relay' | 'socketio';
  url: string;
  pid: number;
  sample(): Sample;
  stop(): Promise<void>;
}

/** Stops load generators, then servers, each group at once (a stop can take seconds on a busy machine). */
export async function stopAll(generators: { stop(): Promise<void> }[], targets: Target[]): Promise<void> {
  await Promise.all(generators.map((generator) => generator.stop()));
  await Promise.all(targets.map((target) => target.stop()));
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      // SIGTERM lets Parley shut down cleanly (and write its CPU profile); the kill is a backstop.
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
}

function target(name: string, kind: Target['kind'], port: number, child: ChildProcess): Target {
  const pid = child.pid ?? 0;
  return { name, kind, url: `http://127.0.0.1:${port}`, pid, sample: () => sampleProcess(pid), stop: stopper(child) };
}

/** Starts a baseline script on the server core and waits for its `listening` line. */
async function startBaseline(name: string, kind: Target['kind'], args: string[]): Promise<Target> {
  const port = await freePort();
  const child = spawnNode(serverCore, args, { ...process.env, PORT: String(port) });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening')) resolve();
    });
  });
  child.removeAllListeners('exit');
  child.stdout?.resume();
  return target(name, kind, port, child);
}

export function startRelay(mode: 'frame' | 'batched'): Promise<Target> {
  return startBaseline(`relay-${mode}`, 'relay', [path.join(here, 'relay.js'), mode]);
}

/** A Socket.IO server with its defaults, no middleware and no handlers (socketio-bare.ts). */
export function startSocketIoBare(): Promise<Target> {
  return startBaseline('socketio-bare', 'socketio', [path.join(here, 'socketio-bare.js')]);
}

/**
 * The storms' four servers, started together (an idle server costs nothing) and measured one at
 * a time: the relays, a bare Socket.IO server and Parley.
 */
export function startStormServers(parley: ParleyOptions): Promise<Target[]> {
  return Promise.all([startRelay('frame'), startRelay('batched'), startSocketIoBare(), startParley(parley)]);
}

export interface ParleyOptions {
  name: string;
  dataDir: string;
  databaseUrl?: string;
  cpuProfDir?: string;
}

export async function startParley(options: ParleyOptions): Promise<Target> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: options.dataDir,
    LOG_LEVEL: 'warn',
    // The bench measures the server's work, not its abuse limits.
    RATE_LIMIT_PER_SEC: '1000000',
    RATE_LIMIT_BURST: '1000000',
    MAX_CONNECTIONS: '100000',
    MAX_CONNECTIONS_PER_USER: '100000',
    REGISTER_PER_IP_PER_HOUR: '1000000',
    ROOMS_PER_USER_PER_HOUR: '1000000',
    MAX_CONNECTIONS_PER_ADDRESS: '100000',
    CONNECTIONS_PER_ADDRESS_PER_MINUTE: '10000000',
    NODE_ENV: 'production',
  };
  if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
  else delete env.DATABASE_URL;
  delete env.REDIS_URL;
  const profile = options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : [];
  const main = path.join(repoRoot, 'packages/server/dist/main.js');
  const flags = process.env.BENCH_SERVER_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const child = spawnNode(serverCore, [...flags, ...profile, main], env);
  if (process.env.BENCH_SERVER_STDOUT)
    child.stdout?.pipe(createWriteStream(`${process.env.BENCH_SERVER_STDOUT}.${options.name}`));
  else child.stdout?.resume();
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${options.name} exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`${options.name} not ready within 60 s`);
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return target(options.name, 'parley', port, child);
}
