/**
 * At most `maxRunning` tasks at once; up to `maxWaiting` more wait their turn, each for at most
 * `maxWaitMs`. Past that the gate refuses at once rather than letting a queue grow without end.
 * This bounds work in flight (a count of things running now), which a rate limiter does not.
 */
export interface WorkGate {
  /** Runs `task` when a slot is free; throws GateFull when it cannot start within the bounds. */
  run<T>(task: () => Promise<T>): Promise<T>;
  readonly running: number;
  readonly waiting: number;
}

export class GateFull extends Error {
  constructor(readonly retryAfterMs: number) {
    super('work gate full');
    this.name = 'GateFull';
  }
}

export interface WorkGateOptions {
  maxRunning: number;
  maxWaiting: number;
  maxWaitMs: number;
}

export function createWorkGate(options: WorkGateOptions): WorkGate {
  let running = 0;
  const waiters: { start(): void; timer: NodeJS.Timeout }[] = [];

  const release = () => {
    const next = waiters.shift();
    if (!next) {
      running -= 1;
      return;
    }
    clearTimeout(next.timer);
    next.start();
  };

  const acquire = (): Promise<void> => {
    if (running < options.maxRunning) {
      running += 1;
      return Promise.resolve();
    }
    if (waiters.length >= options.maxWaiting) return Promise.reject(new GateFull(options.maxWaitMs));
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        start: resolve,
        timer: setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new GateFull(options.maxWaitMs));
        }, options.maxWaitMs),
      };
      waiters.push(waiter);
    });
  };

  return {
    async run(task) {
      // A slot handed over by release() stays counted in `running`: the waiter inherits it.
      await acquire();
      try {
        return await task();
      } finally {
        release();
      }
    },
    get running() {
      return running;
    },
    get waiting() {
      return waiters.length;
    },
  };
}
