import { unavailableDependencyOf, type Dependency } from './errors.js';
import type { Logger } from './log.js';

/**
 * Logs a backing service's outage once, not once per request: "database unavailable" at the
 * first failure, then nothing while it lasts, then "database back" when its probe answers
 * again (it is probed every `probeEveryMs` while down, and only then).
 */
export interface OutageLog {
  /** True (and logged at most once per outage) when the error means a backing service is down. */
  report(error: unknown): boolean;
  /** The dependency is down, whatever the error says (a Redis client's own connection errors). */
  reportDown(dependency: Dependency, error: unknown): void;
  /** The dependencies currently taken as down. */
  readonly down: ReadonlySet<Dependency>;
  close(): void;
}

export function createOutageLog(deps: {
  log: Logger;
  probes: Partial<Record<Dependency, () => Promise<boolean>>>;
  probeEveryMs?: number;
  onChange?: (dependency: Dependency, down: boolean) => void;
}): OutageLog {
  const down = new Set<Dependency>();
  const timers = new Map<Dependency, NodeJS.Timeout>();
  const probeEveryMs = deps.probeEveryMs ?? 1000;

  function watchUntilBack(dependency: Dependency, since: number): void {
    const probe = deps.probes[dependency];
    if (!probe) return;
    let probing = false;
    const timer = setInterval(() => {
      // A probe of a service that hangs may outlast the interval: never stack them.
      if (probing) return;
      probing = true;
      void probe().then(
        (ok) => {
          probing = false;
          if (!ok || !down.has(dependency)) return;
          down.delete(dependency);
          clearInterval(timer);
          timers.delete(dependency);
          deps.log.info({ dependency, outageMs: Date.now() - since }, `${dependency} back`);
          deps.onChange?.(dependency, false);
        },
        () => (probing = false),
      );
    }, probeEveryMs);
    timer.unref();
    timers.set(dependency, timer);
  }

  function reportDown(dependency: Dependency, error: unknown): void {
    if (down.has(dependency)) return;
    down.add(dependency);
    // The first error of the outage says what failed; the ones that follow add nothing.
    deps.log.warn({ dependency, err: error }, `${dependency} unavailable`);
    deps.onChange?.(dependency, true);
    watchUntilBack(dependency, Date.now());
  }

  return {
    down,
    reportDown,
    report(error) {
      const dependency = unavailableDependencyOf(error);
      if (dependency) reportDown(dependency, error);
      return dependency !== undefined;
    },
    close() {
      for (const timer of timers.values()) clearInterval(timer);
      timers.clear();
    },
  };
}
