import { describe, expect, it } from 'vitest';
import { CoherentCache } from './coherent-cache.js';

describe('CoherentCache (issue 17)', () => {
  it('keeps no value read before a change that dropped it: the read raced the change', () => {
    const cache = new CoherentCache<string>(() => 1, 10);
    const before = cache.generation;
    cache.delete('token'); // a sign-out lands while the read is in flight
    cache.set('token', 'alice', before);
    expect(cache.get('token')).toBeUndefined();
    cache.set('token', 'alice', cache.generation);
    expect(cache.get('token')).toBe('alice');
  });

  it('drops everything when another connection changed the database, and what was read across it', () => {
    let version = 1;
    const cache = new CoherentCache<string>(() => version, 10);
    cache.set('a', 'x', cache.generation);
    const during = cache.generation;
    version = 2; // the admin command committed
    cache.set('b', 'y', during);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBeUndefined();
  });

  it('caches nothing without a change counter (PostgreSQL), and keeps at most its capacity', () => {
    const off = new CoherentCache<string>(undefined, 10);
    off.set('a', 'x', off.generation);
    expect(off.get('a')).toBeUndefined();
    const small = new CoherentCache<string>(() => 1, 2);
    for (const key of ['a', 'b', 'c']) small.set(key, key, small.generation);
    expect([small.get('a'), small.get('b'), small.get('c'), small.size]).toEqual([undefined, 'b', 'c', 2]);
  });

  it('around() drops before and after the write, also when it fails', async () => {
    const cache = new CoherentCache<string>(() => 1, 10);
    cache.set('a', 'x', cache.generation);
    await expect(
      cache.around(
        () => cache.delete('a'),
        () => {
          cache.set('a', 'read during the write', cache.generation);
          return Promise.reject(new Error('write failed'));
        },
      ),
    ).rejects.toThrow('write failed');
    expect(cache.get('a')).toBeUndefined();
  });
});
