import { setMostRecent } from './recent-map.js';

/**
 * A cache of database reads that is never stale (issue 17: what a handshake looks up). It holds
 * entries only where every change can reach it:
 * - changes made by this process call delete/deleteWhere/clear, before and after their write
 *   (see {@link CoherentCache.around});
 * - changes made by any other process or connection (the admin command's reset-password and
 *   disable, a second server on the same SQLite file) move SQLite's `PRAGMA data_version`, read
 *   before every lookup: when it moved, everything is dropped.
 * Without such a counter (PostgreSQL: other instances write without telling this one) it caches
 * nothing and every lookup reads the database, as before.
 *
 * A read that raced a change must not be kept: a reader takes the generation before it reads and
 * hands it to set(), which keeps the value only when nothing was dropped in between.
 */
export class CoherentCache<V> {
  private readonly entries = new Map<string, V>();
  private generationCount = 0;
  private seenVersion: number | undefined;

  constructor(
    /** `PRAGMA data_version`, or undefined when the database has no such counter. */
    private readonly othersVersion: (() => number) | undefined,
    private readonly capacity: number,
  ) {}

  get enabled(): boolean {
    return this.othersVersion !== undefined;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Take it before reading the database; give it to set() with what was read. */
  get generation(): number {
    this.dropIfChangedElsewhere();
    return this.generationCount;
  }

  get(key: string): V | undefined {
    if (!this.othersVersion) return undefined;
    this.dropIfChangedElsewhere();
    return this.entries.get(key);
  }

  /** Keeps a value read under `generation`, unless something was dropped since. */
  set(key: string, value: V, generation: number): void {
    if (!this.othersVersion) return;
    this.dropIfChangedElsewhere();
    if (generation !== this.generationCount) return;
    setMostRecent(this.entries, key, value, this.capacity);
  }

  delete(key: string): void {
    this.generationCount += 1;
    this.entries.delete(key);
  }

  deleteWhere(matches: (value: V, key: string) => boolean): void {
    this.generationCount += 1;
    for (const [key, value] of this.entries) if (matches(value, key)) this.entries.delete(key);
  }

  clear(): void {
    this.generationCount += 1;
    this.entries.clear();
  }

  /**
   * Runs a write that ends what `forget` drops, dropping it before and after: a lookup between
   * the two finds the database's answer (as without a cache), and none kept from before the
   * write survives it.
   */
  async around<T>(forget: () => void, write: () => Promise<T>): Promise<T> {
    forget();
    try {
      return await write();
    } finally {
      forget();
    }
  }

  private dropIfChangedElsewhere(): void {
    const version = this.othersVersion?.();
    if (version === this.seenVersion) return;
    this.seenVersion = version;
    this.clear();
  }
}
