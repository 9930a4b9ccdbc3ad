/**
 * What a contact's devices mean for trust, as pure functions (tested in dm-trust.test.ts).
 *
 * A person has one identity: the set of their device keys, covered by one safety number. What
 * this browser remembers of a contact is the devices it last saw and, once the user compared
 * safety numbers, the devices they verified. Then:
 * - a first conversation is trusted as it is: no warning (there is nothing to compare with);
 * - a device added, removed, or (on an unverified contact) re-keyed is a neutral notice
 *   ("ben added a device"), which the user may verify;
 * - the strong warning is only for a VERIFIED contact whose verified identity changed: a
 *   verified device now has another key, or none of the verified devices is left.
 */
export interface DeviceKeyLike {
  deviceId: string;
  publicKey: string;
}

export interface ContactTrust {
  /** deviceId → public key, as last seen. */
  devices: Record<string, string>;
  /** deviceId → public key when the user verified the safety number; absent when never verified. */
  verified?: Record<string, string>;
}

export type TrustChange =
  | { kind: 'first' }
  | { kind: 'same' }
  /** Neutral: devices came, went, or got new keys on a contact not verified. */
  | { kind: 'devices'; added: number; removed: number; rekeyed: number }
  /** Strong: the identity the user verified is not the one shown now. */
  | { kind: 'identity-changed' };

const asRecord = (devices: readonly DeviceKeyLike[]) =>
  Object.fromEntries(devices.map((d) => [d.deviceId, d.publicKey]));

/** Compares what the server lists now with what this browser remembers; answers what to show and remember. */
export function assessDevices(
  previous: ContactTrust | undefined,
  current: readonly DeviceKeyLike[],
): { change: TrustChange; next: ContactTrust } {
  const now = asRecord(current);
  if (!previous) return { change: { kind: 'first' }, next: { devices: now } };
  const next: ContactTrust = previous.verified ? { devices: now, verified: previous.verified } : { devices: now };
  if (previous.verified && identityChanged(previous.verified, now))
    return { change: { kind: 'identity-changed' }, next };
  const ids = (r: Record<string, string>) => Object.keys(r);
  const added = ids(now).filter((id) => previous.devices[id] === undefined).length;
  const removed = ids(previous.devices).filter((id) => now[id] === undefined).length;
  const rekeyed = ids(now).filter(
    (id) => previous.devices[id] !== undefined && previous.devices[id] !== now[id],
  ).length;
  if (added + removed + rekeyed === 0) return { change: { kind: 'same' }, next };
  return { change: { kind: 'devices', added, removed, rekeyed }, next };
}

/** A verified device with another key now, or not one verified device left. */
export function identityChanged(verified: Record<string, string>, now: Record<string, string>): boolean {
  const entries = Object.entries(verified);
  if (entries.some(([id, key]) => now[id] !== undefined && now[id] !== key)) return true;
  return entries.length > 0 && !entries.some(([id, key]) => now[id] === key);
}

/** The user compared safety numbers: every device shown now is verified. */
export function verifyAll(trust: ContactTrust): ContactTrust {
  return { devices: trust.devices, verified: { ...trust.devices } };
}

export function isVerified(trust: ContactTrust | undefined): boolean {
  return Boolean(trust?.verified) && !identityChanged(trust?.verified ?? {}, trust?.devices ?? {});
}

/** Words for a neutral change, e.g. "ben added a device". */
export function describeChange(username: string, change: TrustChange): string | undefined {
  if (change.kind !== 'devices') return undefined;
  const parts: string[] = [];
  if (change.added > 0) parts.push(change.added === 1 ? 'added a device' : `added ${change.added} devices`);
  if (change.rekeyed > 0)
    parts.push(change.rekeyed === 1 ? 'has a new key on a device' : `has new keys on ${change.rekeyed} devices`);
  if (change.removed > 0) parts.push(change.removed === 1 ? 'removed a device' : `removed ${change.removed} devices`);
  return `${username} ${parts.join(' and ')}`;
}
