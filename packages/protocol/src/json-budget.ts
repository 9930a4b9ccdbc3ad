/**
 * Measures free-form data (what a client may nest as it likes, e.g. a call's SDP) against a
 * budget without recursion: `JSON.stringify` on data nested 20,000 deep throws a RangeError, and
 * any recursive walk can be made to exhaust the stack the same way. This walk keeps its own stack
 * and stops at the first limit passed, so its work is bounded by the budget, not by the payload.
 */
export interface JsonBudget {
  /** Longest JSON text allowed, in UTF-16 code units (what `JSON.stringify(x).length` counts). */
  maxLength: number;
  /** Deepest nesting allowed: a scalar is depth 0, `[1]` depth 1, `[[1]]` depth 2. */
  maxDepth: number;
  /** Most values (containers and scalars) allowed in all. */
  maxNodes: number;
}

export type JsonBudgetOutcome = { ok: true; length: number } | { ok: false; exceeded: 'length' | 'depth' | 'nodes' };

/** Nesting and node limits generous for any real SDP or ICE candidate, small enough to walk fast. */
export const FREE_FORM_DEPTH_MAX = 32;
export const FREE_FORM_NODES_MAX = 4096;

/**
 * The length of `value` as `JSON.stringify` would write it, or which limit it passes first.
 * Values JSON cannot hold (undefined, functions, symbols) count as `JSON.stringify` treats them:
 * left out of objects, `null` in arrays. Data from `JSON.parse` has none of them.
 */
export function measureJson(value: unknown, budget: JsonBudget): JsonBudgetOutcome {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  let length = 0;
  let nodes = 0;
  while (stack.length > 0) {
    const next = stack.pop() as { value: unknown; depth: number };
    nodes += 1;
    if (nodes > budget.maxNodes) return { ok: false, exceeded: 'nodes' };
    length += ownLength(next.value);
    if (length > budget.maxLength) return { ok: false, exceeded: 'length' };
    const children = childrenOf(next.value);
    if (children.length === 0) continue;
    if (next.depth + 1 > budget.maxDepth) return { ok: false, exceeded: 'depth' };
    if (nodes + stack.length + children.length > budget.maxNodes) return { ok: false, exceeded: 'nodes' };
    for (const child of children) stack.push({ value: child, depth: next.depth + 1 });
  }
  return { ok: true, length };
}

function isOmitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

/** The characters a value adds by itself: a scalar's text, a container's brackets, commas and keys. */
function ownLength(value: unknown): number {
  if (value === null || isOmitted(value)) return 4; // "null" (an omitted one is never pushed but the root)
  if (typeof value === 'string') return JSON.stringify(value).length;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value).length : 4;
  if (typeof value === 'boolean') return value ? 4 : 5;
  if (typeof value === 'bigint') return Number.POSITIVE_INFINITY; // JSON.stringify refuses it
  if (Array.isArray(value)) return 2 + Math.max(0, value.length - 1);
  const keys = Object.keys(value as object).filter((key) => !isOmitted((value as Record<string, unknown>)[key]));
  // "{}", the commas, and for each key its quoted text and a colon.
  let length = 2 + Math.max(0, keys.length - 1);
  for (const key of keys) length += JSON.stringify(key).length + 1;
  return length;
}

function childrenOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return (value as unknown[]).map((item) => (isOmitted(item) ? null : item));
  if (value === null || typeof value !== 'object') return [];
  return Object.values(value).filter((item) => !isOmitted(item));
}
