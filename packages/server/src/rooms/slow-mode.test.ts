import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Db } from '../db/database.js';
import type { LimiterFactory } from '../limits/limiter.js';
import { createSlowMode } from './slow-mode.js';

/** Reads of the settings, held until the test answers them. */
function heldSettings(seconds: Map<string, number>) {
  const calls: { roomIds: string[]; answer(): void; fail(error: Error): void }[] = [];
  const readSettings = (roomIds: readonly string[]) =>
    new Promise<Map<string, number>>((resolve, reject) => {
      calls.push({
        roomIds: [...roomIds],
        answer: () => resolve(new Map(roomIds.flatMap((id) => (seconds.has(id) ? [[id, seconds.get(id)!]] : [])))),
        fail: reject,
      });
    });
  return { readSettings, calls };
}

// Rooms without slow mode never reach the database handle or a limiter: both refuse if used.
const noDb = new Proxy({}, { get: () => expect.unreachable('the database was used') }) as Db;
const noLimiters: LimiterFactory = { create: () => expect.unreachable('a limiter was made') };
const user = (i: number) => ({ id: `u${i}`, username: `user${i}` });
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Resolves to 'admitted' or 'refused' once admit settles, or stays 'waiting'. */
function track(admitting: Promise<void>) {
  const state = { now: 'waiting' as 'waiting' | 'admitted' | 'refused' };
  admitting.then(
    () => (state.now = 'admitted'),
    () => (state.now = 'refused'),
  );
  return state;
}

/** Slow mode over rooms that exist with slow mode off, their settings read through `held`. */
function slowModeOver(roomIds: string[]) {
  const held = heldSettings(new Map(roomIds.map((id) => [id, 0])));
  return { held, slowMode: createSlowMode({ db: noDb, limiters: noLimiters, readSettings: held.readSettings }) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('slow mode: reading the rooms’ settings', () => {
  it('reads every cold room once, in one statement, however many sends wait for it', async () => {
    const { held, slowMode } = slowModeOver(['a', 'b', 'c']);
    const sends = ['a', 'b', 'c'].flatMap((room) =>
      Array.from({ length: 10 }, (_, i) => track(slowMode.admit(user(i), room, `${room}-${i}`))),
    );
    await turn();
    expect(held.calls.map((c) => c.roomIds)).toEqual([['a', 'b', 'c']]);
    // The sends wait for the read: the setting is not known yet.
    expect(sends.every((s) => s.now === 'waiting')).toBe(true);
    held.calls[0]!.answer();
    await turn();
    expect(sends.every((s) => s.now === 'admitted')).toBe(true);
    // Cached now: no read at all.
    await slowMode.admit(user(1), 'b', 'again');
    await turn();
    expect(held.calls).toHaveLength(1);
  });

  it('an expired room answers at once and is read again once, in one statement with the others', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { held, slowMode } = slowModeOver(['a', 'b', 'c']);
    const first = Promise.all(['a', 'b', 'c'].map((room) => slowMode.admit(user(1), room, room)));
    await turn();
    held.calls[0]!.answer();
    await first;
    vi.setSystemTime(Date.now() + 1001);
    const sends = ['a', 'b'].flatMap((room) =>
      Array.from({ length: 5 }, (_, i) => track(slowMode.admit(user(i), room, `${room}-late-${i}`))),
    );
    await turn();
    // Answered from the expired entry, without waiting for its read.
    expect(sends.every((s) => s.now === 'admitted')).toBe(true);
    expect(held.calls.map((c) => c.roomIds)).toEqual([
      ['a', 'b', 'c'],
      ['a', 'b'],
    ]);
    // While that read is out, more sends start no other.
    await slowMode.admit(user(9), 'a', 'during');
    await turn();
    expect(held.calls).toHaveLength(2);
    held.calls[1]!.answer();
    await turn();
    await slowMode.admit(user(9), 'b', 'after');
    await turn();
    expect(held.calls).toHaveLength(2);
  });

  it('a failed read refuses the sends that waited for it, and the next send reads again', async () => {
    const { held, slowMode } = slowModeOver(['a']);
    const waiting = [track(slowMode.admit(user(1), 'a', '1')), track(slowMode.admit(user(2), 'a', '2'))];
    await turn();
    held.calls[0]!.fail(new Error('database gone'));
    await turn();
    expect(waiting.map((s) => s.now)).toEqual(['refused', 'refused']);
    const retry = track(slowMode.admit(user(1), 'a', '1'));
    await turn();
    expect(held.calls.map((c) => c.roomIds)).toEqual([['a'], ['a']]);
    held.calls[1]!.answer();
    await turn();
    expect(retry.now).toBe('admitted');
  });

  it('a read that `forget` overtook still answers its sends but is not kept', async () => {
    const { held, slowMode } = slowModeOver(['a']);
    const before = track(slowMode.admit(user(1), 'a', '1'));
    await turn();
    slowMode.forget('a');
    // A send after the change does not wait on the older read: it asks for one of its own.
    const after = track(slowMode.admit(user(2), 'a', '2'));
    await turn();
    expect(held.calls.map((c) => c.roomIds)).toEqual([['a'], ['a']]);
    held.calls[0]!.answer();
    await turn();
    expect(before.now).toBe('admitted');
    expect(after.now).toBe('waiting');
    held.calls[1]!.answer();
    await turn();
    expect(after.now).toBe('admitted');
    await slowMode.admit(user(3), 'a', '3');
    await turn();
    expect(held.calls).toHaveLength(2);
  });

  it('a room that does not exist is left to the writer (no refusal here)', async () => {
    const { held, slowMode } = slowModeOver([]);
    const send = track(slowMode.admit(user(1), 'gone', '1'));
    await turn();
    held.calls[0]!.answer();
    await turn();
    expect(send.now).toBe('admitted');
  });
});
