import type { User } from '@parley/protocol';
import { safetyNumberOf } from '../dms/device-crypto.js';
import type { DmKeys } from '../state/dm-keys.js';

/**
 * The one place call signalling is sealed: offers, answers and ICE candidates travel in
 * `call:signal`'s `data` encrypted with the private-message device keys, so the server relays
 * what it cannot read (the peers' addresses) or alter (the DTLS fingerprint in the SDP).
 * Everything else in calls/ goes through seal() and open() only.
 *
 * Each signal is sealed once per device of the peer (every tab of theirs rings, and whichever
 * answers can read what follows), under the purpose `call`: the associated data binds it to its
 * direction and purpose, and the plaintext repeats the call id and kind, so a signal cannot be
 * passed off as a private message, replayed into another call, or turned from an answer into an
 * offer.
 */
export interface SealedSignals {
  seal(peerUsername: string, callId: string, kind: SealedKind, payload: unknown): Promise<string>;
  /** Throws when `data` holds nothing sealed for this device by `from` for this call and kind. */
  open(from: User, callId: string, kind: SealedKind, data: unknown): Promise<Opened>;
  /** The safety number with a peer over both people's devices: the number the private chat shows. */
  safetyNumberWith(peer: User): Promise<string>;
  /** Nothing is cached here any more: the device lists live in the DM keys. */
  reset(): void;
}

export type SealedKind = 'offer' | 'answer' | 'candidate' | 'reject';

export interface Opened {
  payload: unknown;
  /** The device key the peer sealed with. */
  peerKey: string;
}

interface Plain {
  callId: string;
  kind: SealedKind;
  payload: unknown;
}

/** What `data` carries: one sealed copy per device of the peer. */
interface SealedCopies {
  v: 2;
  copies: { d: string; p: string }[];
}

const PURPOSE = 'call';

function readCopies(data: unknown): SealedCopies['copies'] | undefined {
  if (typeof data !== 'string') return undefined;
  try {
    const parsed = JSON.parse(data) as Partial<SealedCopies>;
    if (parsed.v !== 2 || !Array.isArray(parsed.copies)) return undefined;
    return parsed.copies.filter((c) => typeof c?.d === 'string' && typeof c.p === 'string');
  } catch {
    return undefined;
  }
}

export function createSealedSignals(deps: { keys: DmKeys; me: () => User | undefined }): SealedSignals {
  const sameUser = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

  return {
    async seal(peerUsername, callId, kind, payload) {
      await deps.keys.ensureDevices(peerUsername);
      const plain: Plain = { callId, kind, payload };
      const copies = await deps.keys.sealFor(peerUsername, JSON.stringify(plain), PURPOSE);
      // sealFor also seals for our own other devices: a call needs only the peer's.
      const theirs = copies.filter((c) => sameUser(c.username, peerUsername));
      if (theirs.length === 0) throw new Error('the peer has no device to call');
      const sealed: SealedCopies = { v: 2, copies: theirs.map((c) => ({ d: c.deviceId, p: c.payload })) };
      return JSON.stringify(sealed);
    },

    async open(from, callId, kind, data) {
      const me = deps.me();
      const device = deps.keys.identity()?.deviceId;
      const copy = readCopies(data)?.find((c) => c.d === device);
      if (!me || !copy) throw new Error('not sealed for this device');
      const opened = await deps.keys.open(from, me, copy.p, PURPOSE);
      if (!opened.ok) throw new Error(opened.reason);
      const plain = JSON.parse(opened.text) as Partial<Plain>;
      if (plain.callId !== callId || plain.kind !== kind) throw new Error('sealed for another call');
      return { payload: plain.payload, peerKey: opened.senderKey };
    },

    async safetyNumberWith(peer) {
      const me = deps.me();
      const identity = deps.keys.identity();
      if (!me || !identity) throw new Error('no device identity yet');
      await deps.keys.ensureDevices(peer.username);
      const mine = (deps.keys.devices(me.username) ?? (await deps.keys.refreshMine())).map((d) => d.publicKey);
      const myKeys = mine.includes(identity.publicKey) ? mine : [...mine, identity.publicKey];
      const theirs = (deps.keys.devices(peer.username) ?? []).map((d) => d.publicKey);
      return safetyNumberOf(myKeys, theirs);
    },

    reset() {},
  };
}
