/**
 * Sealing for devices: one ciphertext per device, each under the ECDH key of the sending
 * device and that device (crypto.ts's primitives). This is the DM crypto API other
 * capabilities use too (calls seal their signalling with it):
 *
 * - `sealForDevices(me, route, targets, text)`: encrypts `text` once for each target device
 *   (every device of the recipient, and the sender's own other devices) and answers the
 *   `copies` of a `dm:send` (or anything else carried by the server).
 * - `openSealed(me, route, payload, senderKeys)`: decrypts what this device got; refuses a
 *   payload sealed by a key that is not one of `senderKeys` (the sender's known devices).
 *
 * `route` binds each ciphertext to its direction and purpose (AES-GCM associated data): the
 * server cannot replay a message as a call signal, reflect it, or pass it off as another's.
 */
import type { DmCopy } from '@parley/protocol';
import { decryptMessage, deriveSharedKey, encryptMessage, fromBase64, readEnvelope, type Identity } from './crypto.js';

/** This browser as a device: its key pair and its id. */
export interface DeviceIdentity extends Identity {
  deviceId: string;
}

/** A device to seal for: whose it is, its id, and its public key (from `keys:get`). */
export interface SealTarget {
  username: string;
  deviceId: string;
  publicKey: string;
}

/**
 * Who writes to whom: the usernames of the conversation (for a copy to the sender's own device,
 * still sender → recipient), and a purpose tag for anything that is not a private message.
 */
export interface SealRoute {
  from: string;
  to: string;
  purpose?: string;
}

/** Whether this page can encrypt at all: WebCrypto exists only in a secure context (HTTPS or localhost). */
export function webCryptoAvailable(): boolean {
  return typeof globalThis.crypto !== 'undefined' && typeof globalThis.crypto.subtle !== 'undefined';
}

const routeOf = (route: SealRoute) => ({
  from: route.from,
  to: route.purpose ? `${route.to}#${route.purpose}` : route.to,
});

/** Shared AES keys by peer public key, per sending identity: deriving is cheap, but not free. */
const derived = new WeakMap<CryptoKey, Map<string, Promise<CryptoKey>>>();

export function sharedKeyFor(me: Identity, peerPublicKey: string): Promise<CryptoKey> {
  let byPeer = derived.get(me.privateKey);
  if (!byPeer) {
    byPeer = new Map();
    derived.set(me.privateKey, byPeer);
  }
  let key = byPeer.get(peerPublicKey);
  if (!key) {
    key = deriveSharedKey(me.privateKey, peerPublicKey);
    const cache = byPeer;
    key.catch(() => cache.delete(peerPublicKey));
    byPeer.set(peerPublicKey, key);
  }
  return key;
}

/** One copy per target device; throws when a target's key is not a valid P-256 point. */
export async function sealForDevices(
  me: DeviceIdentity,
  route: SealRoute,
  targets: SealTarget[],
  text: string,
): Promise<DmCopy[]> {
  return Promise.all(
    targets.map(async (target) => ({
      username: target.username,
      deviceId: target.deviceId,
      payload: await encryptMessage(await sharedKeyFor(me, target.publicKey), me.publicKey, routeOf(route), text),
    })),
  );
}

export type OpenResult =
  | { ok: true; text: string; senderKey: string }
  /** `unknown-sender`: sealed by a key none of the sender's devices has; `unreadable`: not for this device. */
  | { ok: false; reason: 'unknown-sender' | 'unreadable'; senderKey?: string };

/** Decrypts a payload this device received; never throws. */
export async function openSealed(
  me: DeviceIdentity,
  route: SealRoute,
  payload: string,
  senderKeys: readonly string[],
): Promise<OpenResult> {
  const envelope = readEnvelope(payload);
  if (!envelope) return { ok: false, reason: 'unreadable' };
  if (!senderKeys.includes(envelope.k)) return { ok: false, reason: 'unknown-sender', senderKey: envelope.k };
  try {
    const text = await decryptMessage(await sharedKeyFor(me, envelope.k), envelope, routeOf(route));
    return { ok: true, text, senderKey: envelope.k };
  } catch {
    return { ok: false, reason: 'unreadable', senderKey: envelope.k };
  }
}

/**
 * The safety number of two people, each with all their devices: SHA-512 over each person's
 * sorted device keys, the two people in a fixed order, as 12 groups of 5 digits. Both sides
 * get the same number; a device added or a key swapped changes it.
 */
export async function safetyNumberOf(mine: readonly string[], theirs: readonly string[]): Promise<string> {
  const person = (keys: readonly string[]) => [...keys].sort().join(',');
  const [first, second] = [person(mine), person(theirs)].sort();
  const joined = new TextEncoder().encode(`parley-safety-v2:${first ?? ''}|${second ?? ''}`);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-512', joined));
  const groups: string[] = [];
  for (let i = 0; i < 12; i += 1) {
    // 40 bits fit a double exactly; bit operators would cut them to 32.
    const n = Array.from(digest.slice(i * 5, i * 5 + 5)).reduce((sum, byte) => sum * 256 + byte, 0);
    groups.push(String(n % 100_000).padStart(5, '0'));
  }
  return groups.join(' ');
}

/** Checks that a public key decodes (a corrupt key from the server is a problem shown, not a crash). */
export function isPlausibleKey(publicKey: string): boolean {
  try {
    return fromBase64(publicKey).length === 65;
  } catch {
    return false;
  }
}
