import type { Actor } from './actors.js';
import type { Cluster } from './cluster.js';
import { progress, sleep, type OwnDatabase, type OwnRedis } from './services.js';
import type { TcpProxy } from './tcp-proxy.js';

/** What a fault can act on. */
export interface World {
  cluster: Cluster;
  redis: OwnRedis;
  /** The run's database, read directly for the stored history. */
  database: OwnDatabase;
  /** In front of the instances: where clients connect. */
  clientProxy: TcpProxy;
  /** Between the instances and PostgreSQL. */
  postgresProxy: TcpProxy;
  actors: Actor[];
  timing: FaultTiming;
  /** Restarts still under way: the fault is over once the instance is gone, not once it is back. */
  restarts: Promise<void>[];
}

export interface FaultTiming {
  /** How long an instance stays paused (longer than PRESENCE_INSTANCE_TTL_MS). */
  pauseMs: number;
  /** How long PostgreSQL stays cut off. */
  postgresOutageMs: number;
  /** How long Redis stays down before a fresh, empty one starts. */
  redisDownMs: number;
  /** How long a killed or stopped instance stays down before it starts again. */
  instanceDownMs: number;
}

/** One fault. `inject` returns when the fault is over (whatever was stopped runs again). */
export interface Fault {
  name: string;
  /**
   * The fault empties the private-message outbox (a Redis that keeps nothing on disk, by design):
   * messages and statuses in flight are gone, so a sender can get no status from the server.
   */
  forgetsPrivateMessages?: boolean;
  inject(world: World): Promise<void>;
}

/**
 * Every second user connected to the victim does not reconnect when it goes: they closed the
 * laptop. The others reconnect (through the proxy, to another instance).
 */
function someUsersLeave(world: World, victim: number): void {
  const onVictim = world.actors.filter(
    (a) => a.localPort !== undefined && world.clientProxy.upstreamOf(a.localPort) === victim,
  );
  for (const [i, actor] of onVictim.entries()) if (i % 2 === 0) actor.stayAwayOnDrop();
  progress(
    `instance ${victim}: ${onVictim.length} users, ${Math.ceil(onVictim.length / 2)} of them will not reconnect`,
  );
}

/** Starts the victim again in the background; one that fails to start shows as an unexpected exit. */
function restartLater(world: World, victim: number): void {
  world.restarts.push(
    world.cluster.restart(victim).catch((error: unknown) => console.error(`chaos: restart of ${victim} failed`, error)),
  );
}

/** The instance holding the most client connections: the fault that hurts most. */
function busiest(world: World): number {
  const counts = world.clientProxy.openCounts();
  let best = 0;
  for (const [i, count] of counts.entries()) if (count > (counts[best] ?? 0)) best = i;
  return best;
}

/** Ends the busiest instance (some of its users leave for good) and starts it again later. */
async function stopBusiest(world: World, how: 'kill' | 'terminate'): Promise<void> {
  const victim = busiest(world);
  someUsersLeave(world, victim);
  await world.cluster[how](victim);
  await sleep(world.timing.instanceDownMs);
  restartLater(world, victim);
}

/**
 * Issue 13's fault: senders reconnect while their recipients acknowledge. Every second user
 * (each sends to the next, who stays connected and acks at once) loses its connection again and
 * again, so `dm:status delivered` is often due while its sender is between connections.
 */
async function sendersReconnect(world: World): Promise<void> {
  const senders = world.actors.filter((_, i) => i % 2 === 0);
  for (let drop = 0; drop < DROPS; drop += 1) {
    for (const actor of senders) actor.dropConnection();
    await sleep(DROP_EVERY_MS);
  }
}
const DROPS = 10;
const DROP_EVERY_MS = 400;

export const faults = {
  none: { name: 'none (baseline)', inject: () => sleep(1000) },
  sigkill: { name: 'SIGKILL an instance', inject: (world) => stopBusiest(world, 'kill') },
  sigstop: {
    name: 'SIGSTOP/SIGCONT an instance',
    async inject(world) {
      const victim = busiest(world);
      world.cluster.pause(victim);
      await sleep(world.timing.pauseMs);
      world.cluster.resume(victim);
    },
  },
  sigterm: { name: 'SIGTERM an instance', inject: (world) => stopBusiest(world, 'terminate') },
  senderReconnects: { name: 'senders reconnect while recipients ack', inject: sendersReconnect },
  redisRestart: {
    name: 'Redis restart (empty)',
    forgetsPrivateMessages: true,
    inject: (world) => world.redis.restart(world.timing.redisDownMs),
  },
  postgresOutage: {
    name: 'PostgreSQL outage',
    async inject(world) {
      world.postgresProxy.cut();
      await sleep(world.timing.postgresOutageMs);
      world.postgresProxy.restore();
    },
  },
  postgresOutageWithKill: {
    name: 'PostgreSQL outage + SIGKILL',
    async inject(world) {
      world.postgresProxy.cut();
      await sleep(1000);
      const victim = busiest(world);
      await world.cluster.kill(victim);
      await sleep(Math.max(0, world.timing.postgresOutageMs - 1000));
      world.postgresProxy.restore();
      // An instance cannot start without its database: it comes back once PostgreSQL is back.
      restartLater(world, victim);
    },
  },
} satisfies Record<string, Fault>;

export type FaultName = keyof typeof faults;
