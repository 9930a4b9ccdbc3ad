import { describe, expect, it } from 'vitest';
import {
  addRinging,
  addSealed,
  clearEnded,
  endCall,
  endedText,
  formatDuration,
  inCall,
  initialCallsState,
  newCall,
  startCall,
  stopRinging,
  withPhase,
} from './call-state.js';

const bob = { id: 'b', username: 'bob' };
const ring = { callId: 'c1', peer: bob, media: 'video' as const, sealed: [], at: 0 };

describe('call state', () => {
  it('starts the clock at the first connect, and keeps it through reconnecting', () => {
    let s = startCall(initialCallsState, newCall('c1', bob, 'outgoing', 'video', false));
    expect(s.active?.phase).toBe('ringing');
    expect(inCall(s)).toBe(true);
    s = withPhase(s, 'c1', 'connected', 1000);
    s = withPhase(s, 'c1', 'reconnecting', 5000);
    s = withPhase(s, 'c1', 'connected', 9000);
    expect(s.active).toMatchObject({ phase: 'connected', connectedAt: 1000 });
  });

  it('ignores events of another call, and a phase after the end', () => {
    let s = startCall(initialCallsState, newCall('c1', bob, 'incoming', 'audio', true));
    expect(withPhase(s, 'old', 'connected', 1)).toBe(s);
    s = endCall(s, 'c1', 'peer-hangup');
    expect(withPhase(s, 'c1', 'connected', 2)).toBe(s);
    expect(endCall(s, 'c1', 'failed').active?.endedReason).toBe('peer-hangup');
    expect(inCall(s)).toBe(false);
    expect(endedText(s.active!)).toBe('bob hung up');
    expect(clearEnded(s, 'c1').active).toBeUndefined();
  });

  it('rings once per call, bounds what waits for the answer, and leaves a notice when it stops', () => {
    let s = addRinging(addRinging(initialCallsState, ring), ring);
    expect(s.ringing).toHaveLength(1);
    for (let i = 0; i < 100; i += 1) s = addSealed(s, 'c1', { kind: 'candidate', data: i });
    expect(s.ringing[0]?.sealed).toHaveLength(64);
    s = stopRinging(s, 'c1', { peer: bob, text: 'Missed call from bob' });
    expect(s.ringing).toEqual([]);
    expect(s.notice?.text).toBe('Missed call from bob');
    expect(stopRinging(s, 'c1')).toBe(s);
  });

  it('formats durations', () => {
    expect(formatDuration(65_000)).toBe('1:05');
    expect(formatDuration(3_726_000)).toBe('1:02:06');
  });
});
