import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitForQuiet } from './processes.js';
import type { Size } from './sizes.js';

export interface BenchContext {
  size: Size;
  /** Set by --cpu-prof: the fan-out and many-rooms SQLite Parley servers write V8 CPU profiles there. */
  cpuProfDir?: string;
  postgres: boolean;
  /** How long to wait, before each measured window, for other work on the machine to stop... */
  quietWaitMs: number;
  /** ...and in all, so that a quick run stays within its four minutes on a busy machine. */
  quietBudgetMs: number;
  /**
   * The JSON size of one Parley message as `message:new` carries it (measured at the start of the
   * run): the relays pad their messages to it, so that both sides move the same bytes.
   */
  messageBytes?: number;
  log(line: string): void;
}

/** A fresh data directory per server: no run sees another's database. */
export function freshDataDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'parley-bench-'));
}

/** Waits for a quiet machine before a window; a note when it never came, so the reader knows. */
export async function quietNote(ctx: BenchContext, target: string): Promise<string[]> {
  if (ctx.quietWaitMs <= 0) return [];
  const started = performance.now();
  const shares = await waitForQuiet(Math.min(ctx.quietWaitMs, ctx.quietBudgetMs));
  ctx.quietBudgetMs = Math.max(0, ctx.quietBudgetMs - (performance.now() - started));
  const busiest = Math.max(...shares);
  if (busiest <= 0.15) return [];
  const pct = shares.map((share) => `${Math.round(share * 100)} %`).join(', ');
  ctx.log(`${target}: the machine stayed busy (${pct}) before the window`);
  return [`${target}: other work kept the cores busy (${pct}) just before the window; figures are pessimistic`];
}
