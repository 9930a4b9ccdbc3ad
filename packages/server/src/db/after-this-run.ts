/**
 * Calls `callback` once the current run of queued work is over: every promise continuation and
 * process tick that follows the event being handled, before the next event is. A microtask that
 * asks for a tick gets there from both places a caller may be: an event's synchronous code (whose
 * ticks run before its microtasks) and a promise continuation (whose tick waits for the rest).
 * Work that only stays true within one run (a shared SQLite read snapshot, a version read once)
 * ends here: nothing a later event brings, such as another process's commit, can be hidden by it.
 */
export function afterThisRun(callback: () => void): void {
  queueMicrotask(() => process.nextTick(callback));
}
