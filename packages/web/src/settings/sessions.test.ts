import type { SessionInfo } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { deviceName, orderSessions, withoutSession } from './sessions.js';

const session = (id: string, lastSeenAt: string, current = false): SessionInfo => ({
  id,
  device: '',
  address: '127.0.0.1',
  createdAt: '2026-01-01T00:00:00.000Z',
  lastSeenAt,
  current,
});

describe('sessions screen state', () => {
  it('puts the current session first, then the most recently seen; ending one removes only it', () => {
    const list = [
      session('a', '2026-01-01T10:00:00.000Z'),
      session('b', '2026-01-02T10:00:00.000Z'),
      session('c', '2026-01-01T09:00:00.000Z', true),
    ];
    expect(orderSessions(list).map((s) => s.id)).toEqual(['c', 'b', 'a']);
    expect(withoutSession(list, 'b').map((s) => s.id)).toEqual(['a', 'c']);
    expect(withoutSession(list, 'zz')).toHaveLength(3);
  });

  it('names devices by browser and system', () => {
    expect(
      deviceName('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36'),
    ).toBe('Chrome on Linux');
    expect(
      deviceName(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Safari/604.1',
      ),
    ).toBe('Safari on iOS');
    expect(deviceName('node')).toBe('node');
    expect(deviceName('')).toBe('Unknown device');
  });
});
