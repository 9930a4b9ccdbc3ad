import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per app, so that several apps in one process (tests) do not collide. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'parley_' });
  const metrics = {
    registry,
    connections: new Gauge({
      name: 'parley_connections',
      help: 'Open realtime connections by transport',
      labelNames: ['transport'] as const,
      registers: [registry],
    }),
    events: new Counter({
      name: 'parley_events_total',
      help: 'Inbound events by name and outcome (ok or an error code)',
      labelNames: ['event', 'outcome'] as const,
      registers: [registry],
    }),
    ackLatency: new Histogram({
      name: 'parley_ack_latency_seconds',
      help: 'Time from receiving an event to acknowledging it',
      labelNames: ['event'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    connectionsCut: new Counter({
      name: 'parley_connections_cut_total',
      help: 'Realtime connections or upgrades the server closed or refused, by transport and reason',
      labelNames: ['transport', 'reason'] as const,
      registers: [registry],
    }),
    uncaughtErrors: new Counter({
      name: 'parley_uncaught_errors_total',
      help: 'Errors that escaped every handler and reached the last-resort handler',
      registers: [registry],
    }),
    dependencyUp: new Gauge({
      name: 'parley_dependency_up',
      help: 'Whether a backing service (database, redis) answers: 0 from its first failure until its probe answers again',
      labelNames: ['dependency'] as const,
      registers: [registry],
    }),
    messagesStored: new Counter({
      name: 'parley_messages_stored_total',
      help: 'Room messages durably stored',
      registers: [registry],
    }),
    limitRefusals: new Counter({
      name: 'parley_limit_refusals_total',
      help: 'Requests refused by an abuse limit (registration, sign-in, argon2, rooms, private messages), by limit',
      labelNames: ['limit'] as const,
      registers: [registry],
    }),
  };
  // Label lookups hash their label object on every call; an event is on the hot path, so its
  // labelled children are looked up once and kept.
  const eventCounters = new Map<string, { inc(): void }>();
  const latencies = new Map<string, { observe(seconds: number): void }>();
  return {
    ...metrics,
    recordEvent(event: string, outcome: string, seconds: number): void {
      const key = `${event} ${outcome}`;
      let counter = eventCounters.get(key);
      if (!counter) eventCounters.set(key, (counter = metrics.events.labels(event, outcome)));
      counter.inc();
      let latency = latencies.get(event);
      if (!latency) latencies.set(event, (latency = metrics.ackLatency.labels(event)));
      latency.observe(seconds);
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
