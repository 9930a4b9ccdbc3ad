import type { Logger } from './log.js';

/** What the last-resort handler listens on: `process` in production, an emitter in tests. */
export interface ProcessEvents {
  on(event: 'uncaughtException', listener: (error: unknown) => void): unknown;
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
}

/**
 * Catches what escapes every handler, so that no client input can stop the process (issue 10).
 * Each known route to a crash is guarded where the input is read; this is the net under them.
 * It logs the error's name and message only (never a request, header or token) and counts it:
 * a non-zero `parley_uncaught_errors_total` is a bug to fix, not a state to live with.
 *
 * Why the process keeps running instead of exiting as Node would: the errors that reach here
 * come from one connection's input, and exiting would cut every other user; Parley's state
 * lives in the database, so a half-done event leaves at most one unanswered request.
 */
export function installLastResort(target: ProcessEvents, log: Logger, count: () => void): void {
  const report = (kind: string, error: unknown) => {
    count();
    log.error({ kind, error: describe(error) }, 'uncaught error');
  };
  target.on('uncaughtException', (error) => report('uncaughtException', error));
  target.on('unhandledRejection', (reason) => report('unhandledRejection', reason));
}

function describe(error: unknown): { name: string; message: string; stack?: string } {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: typeof error, message: 'a non-Error value was thrown' };
}
