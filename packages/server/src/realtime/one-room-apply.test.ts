import { Adapter, type BroadcastOptions } from 'socket.io-adapter';
import { describe, expect, it } from 'vitest';
import { walkOneRoomDirectly } from './one-room-apply.js';

type Apply = (opts: BroadcastOptions, callback: (socket: { id: string }) => void) => void;

/** An adapter over a namespace stand-in: what `apply` reads of it is `nsp.sockets`. */
function adapterWith(sockets: string[], members: Record<string, string[]>, direct: boolean) {
  const nsp = { name: '/', sockets: new Map(sockets.map((id) => [id, { id }])), server: { encoder: {} } };
  const adapter = new Adapter(nsp);
  for (const [room, ids] of Object.entries(members)) for (const id of ids) void adapter.addAll(id, new Set([room]));
  if (direct) walkOneRoomDirectly(adapter);
  const apply = (adapter as unknown as { apply: Apply }).apply.bind(adapter);
  const visits = (opts: BroadcastOptions) => {
    const seen: string[] = [];
    apply(opts, (socket) => seen.push(socket.id));
    return seen;
  };
  return { adapter, visits };
}

/** A small deterministic generator, so that a failure can be replayed. */
function random(seed: number) {
  let state = seed;
  return (n: number) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state % n;
  };
}

describe('walkOneRoomDirectly', () => {
  it('replaces the adapter’s apply', () => {
    const { adapter } = adapterWith(['a'], { r: ['a'] }, true);
    expect((adapter as unknown as { apply: Apply }).apply).not.toBe(
      (Adapter.prototype as unknown as { apply: Apply }).apply,
    );
  });

  it('visits a room’s members once each, in the room’s order, and skips ids the namespace no longer has', () => {
    const { visits } = adapterWith(['a', 'b', 'd'], { r: ['b', 'a', 'c', 'd'] }, true);
    expect(visits({ rooms: new Set(['r']) })).toEqual(['b', 'a', 'd']);
    expect(visits({ rooms: new Set(['nobody']) })).toEqual([]);
  });

  it('keeps exceptions and several rooms on the stock path', () => {
    const { visits } = adapterWith(['a', 'b', 'c'], { r: ['a', 'b', 'c'], s: ['b', 'c'], x: ['c'] }, true);
    expect(visits({ rooms: new Set(['r']), except: new Set(['x']) })).toEqual(['a', 'b']);
    expect(visits({ rooms: new Set(['r', 's']) })).toEqual(['a', 'b', 'c']);
  });

  it('does not visit a member removed from the room during the walk', () => {
    const { adapter, visits } = adapterWith(['a', 'b', 'c'], { r: ['a', 'b', 'c'] }, true);
    const seen: string[] = [];
    const apply = (adapter as unknown as { apply: Apply }).apply.bind(adapter);
    apply({ rooms: new Set(['r']) }, (socket) => {
      seen.push(socket.id);
      if (socket.id === 'a') void adapter.del('b', 'r');
    });
    expect(seen).toEqual(['a', 'c']);
    expect(visits({ rooms: new Set(['r']) })).toEqual(['a', 'c']);
  });

  it('visits what the stock apply visits, on 2,000 random namespaces and broadcasts', () => {
    const next = random(17);
    for (let round = 0; round < 2000; round += 1) {
      const ids = Array.from({ length: 1 + next(12) }, (_, i) => `s${i}`);
      const present = ids.filter(() => next(5) > 0);
      const members: Record<string, string[]> = {};
      for (const room of ['r0', 'r1', 'r2', 'r3']) members[room] = ids.filter(() => next(2) === 0);
      const pick = () => new Set(['r0', 'r1', 'r2', 'r3', 'none'].filter(() => next(3) === 0));
      const opts: BroadcastOptions = { rooms: pick(), ...(next(2) === 0 ? { except: pick() } : {}) };
      const stock = adapterWith(present, members, false).visits(opts);
      const direct = adapterWith(present, members, true).visits(opts);
      expect(
        direct,
        JSON.stringify({ present, members, rooms: [...opts.rooms], except: [...(opts.except ?? [])] }),
      ).toEqual(stock);
    }
  });
});
