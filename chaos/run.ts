import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Actor, befriendInRing, joinSharedRoom } from './actors.js';
import { formatTable, violations, type Figures } from './checks.js';
import { startCluster, type Cluster } from './cluster.js';
import { faults, type FaultName, type FaultTiming, type World } from './faults.js';
import { runPhase, type PhaseTiming } from './phase.js';
import {
  createOwnDatabase,
  postgresPort,
  progress,
  startOwnRedis,
  startProgressClock,
  type OwnDatabase,
  type OwnRedis,
} from './services.js';
import { answersHttp, startTcpProxy, type TcpProxy } from './tcp-proxy.js';

export interface ChaosSettings {
  instances: number;
  users: number;
  /** PRESENCE_INSTANCE_TTL_MS of the instances. */
  instanceTtlMs: number;
  faults: FaultName[];
  fault: FaultTiming;
  phase: PhaseTiming;
}

export const shortRun: ChaosSettings = {
  instances: 3,
  users: 6,
  instanceTtlMs: 2000,
  faults: ['sigstop', 'sigterm', 'senderReconnects', 'redisRestart', 'postgresOutageWithKill'],
  fault: { pauseMs: 5000, postgresOutageMs: 4000, redisDownMs: 1000, instanceDownMs: 1000 },
  phase: { warmMs: 1500, tailMs: 2000, presenceBoundMs: 8000, settleMs: 6000, messageEveryMs: 250, dmEveryMs: 1000 },
};

export const fullRun: ChaosSettings = {
  instances: 3,
  users: 9,
  instanceTtlMs: 3000,
  faults: [
    'none',
    'sigkill',
    'sigstop',
    'sigterm',
    'senderReconnects',
    'redisRestart',
    'postgresOutage',
    'postgresOutageWithKill',
  ],
  fault: { pauseMs: 8000, postgresOutageMs: 6000, redisDownMs: 2000, instanceDownMs: 2000 },
  phase: {
    warmMs: 3000,
    tailMs: 3000,
    presenceBoundMs: 20_000,
    settleMs: 15_000,
    messageEveryMs: 200,
    dmEveryMs: 1000,
  },
};

export interface ChaosReport {
  rows: Figures[];
  table: string;
  violations: number;
  seconds: number;
}

/** Undo-list: whatever was started is ended, in reverse order, also when the run fails. */
class Cleanup {
  private readonly steps: (() => Promise<void> | void)[] = [];
  add(step: () => Promise<void> | void): void {
    this.steps.push(step);
  }
  async run(): Promise<void> {
    for (const step of this.steps.reverse()) {
      try {
        await step();
      } catch (error) {
        console.error('chaos cleanup:', error);
      }
    }
  }
}

function instanceEnv(settings: ChaosSettings, databaseUrl: string, redisUrl: string, dataDir: string) {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('PARLEY_') || key.endsWith('_URL')) delete env[key];
  return {
    ...env,
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: `chaos${randomBytes(4).toString('hex')}`,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'error',
    RATE_LIMIT_PER_SEC: '1000',
    RATE_LIMIT_BURST: '1000',
    PRESENCE_GRACE_MS: '1000',
    PRESENCE_INSTANCE_TTL_MS: String(settings.instanceTtlMs),
    SHUTDOWN_TIMEOUT_MS: '5000',
  };
}

async function startWorld(settings: ChaosSettings, cleanup: Cleanup): Promise<World> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-chaos-'));
  cleanup.add(() => rmSync(dataDir, { recursive: true, force: true }));
  const database: OwnDatabase = await createOwnDatabase();
  cleanup.add(() => database.drop());
  const redis: OwnRedis = await startOwnRedis();
  cleanup.add(() => redis.stop());
  const postgresProxy: TcpProxy = await startTcpProxy({ upstreamPorts: [postgresPort()] });
  cleanup.add(() => postgresProxy.close());
  const env = instanceEnv(settings, database.urlVia(postgresProxy.port), redis.url, dataDir);
  const cluster: Cluster = await startCluster(settings.instances, env);
  cleanup.add(() => cluster.stop());
  progress(`${settings.instances} instances up`);
  const clientProxy = await startTcpProxy({
    upstreamPorts: cluster.ports,
    // Like a load balancer's liveness probe: any HTTP answer (503 included) within 500 ms.
    isAlive: (i) => answersHttp(`http://127.0.0.1:${cluster.ports[i]}/healthz`, 500),
  });
  cleanup.add(() => clientProxy.close());
  const url = `http://127.0.0.1:${clientProxy.port}`;
  const run = randomBytes(3).toString('hex');
  const actors: Actor[] = [];
  cleanup.add(() => actors.forEach((a) => a.close()));
  for (let i = 0; i < settings.users; i += 1) actors.push(await Actor.create(url, `chaos${run}_${i}`));
  progress(`${settings.users} users connected`);
  return { cluster, redis, database, clientProxy, postgresProxy, actors, timing: settings.fault, restarts: [] };
}

/** Starts everything, runs each fault in turn, ends everything; never leaves a process behind. */
export async function runChaos(settings: ChaosSettings): Promise<ChaosReport> {
  const started = Date.now();
  startProgressClock();
  const cleanup = new Cleanup();
  const stopOnSignal = () => void cleanup.run().finally(() => process.exit(130));
  process.once('SIGINT', stopOnSignal);
  try {
    const world = await startWorld(settings, cleanup);
    await befriendInRing(world.actors);
    const roomId = await joinSharedRoom(world.actors);
    const rows: Figures[] = [];
    for (const name of settings.faults) {
      progress(`fault: ${faults[name].name}`);
      rows.push(await runPhase(world, roomId, faults[name], settings.phase));
    }
    const table = formatTable(rows);
    const seconds = (Date.now() - started) / 1000;
    return { rows, table, violations: rows.reduce((sum, r) => sum + violations(r), 0), seconds };
  } finally {
    process.off('SIGINT', stopOnSignal);
    await cleanup.run();
  }
}
