import { describe, expect, it } from 'vitest';
import { assessDevices, describeChange, isVerified, verifyAll } from './dm-trust.js';

const d = (deviceId: string, publicKey = `k-${deviceId}`) => ({ deviceId, publicKey });

describe('trust in a contact with several devices', () => {
  it('shows nothing on a first conversation, and nothing when nothing changed', () => {
    const first = assessDevices(undefined, [d('a')]);
    expect(first.change).toEqual({ kind: 'first' });
    expect(assessDevices(first.next, [d('a')]).change).toEqual({ kind: 'same' });
  });

  it('calls a new device of an unverified contact a neutral notice, not interception', () => {
    const { next } = assessDevices(undefined, [d('a')]);
    const added = assessDevices(next, [d('a'), d('b')]);
    expect(added.change).toEqual({ kind: 'devices', added: 1, removed: 0, rekeyed: 0 });
    expect(describeChange('ben', added.change)).toBe('ben added a device');
    // Even all keys replaced, on a contact never verified: neutral.
    expect(assessDevices(next, [d('c')]).change.kind).toBe('devices');
    expect(assessDevices(next, [d('a', 'other')]).change).toEqual({
      kind: 'devices',
      added: 0,
      removed: 0,
      rekeyed: 1,
    });
  });

  it('keeps a verified contact verified when a device is added, and warns when the verified identity changes', () => {
    const verified = verifyAll(assessDevices(undefined, [d('a')]).next);
    expect(isVerified(verified)).toBe(true);
    const added = assessDevices(verified, [d('a'), d('b')]);
    expect(added.change.kind).toBe('devices');
    expect(isVerified(added.next)).toBe(true);
    expect(assessDevices(verified, [d('a', 'swapped')]).change).toEqual({ kind: 'identity-changed' });
    const replaced = assessDevices(verified, [d('z')]);
    expect(replaced.change).toEqual({ kind: 'identity-changed' });
    // The warning stays until the user verifies again (a reload does not clear it).
    expect(assessDevices(replaced.next, [d('z')]).change).toEqual({ kind: 'identity-changed' });
    expect(isVerified(replaced.next)).toBe(false);
    expect(assessDevices(verifyAll(replaced.next), [d('z')]).change).toEqual({ kind: 'same' });
  });
});
