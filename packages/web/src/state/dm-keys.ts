import type { DeviceKey, DmCopy, User } from '@parley/protocol';
import { keyFingerprint } from '../dms/crypto.js';
import {
  openSealed,
  safetyNumberOf,
  sealForDevices,
  webCryptoAvailable,
  type DeviceIdentity,
  type OpenResult,
  type SealRoute,
  type SealTarget,
} from '../dms/device-crypto.js';
import { forgetDevice, loadDevice } from '../dms/key-store.js';
import { contactTrust } from '../dms/known-keys.js';
import type { Ctx } from './context.js';
import { describeDmError } from './dm-errors.js';
import { threadKey, updateThread, withThread } from './dm-threads.js';
import { assessDevices, describeChange, isVerified, verifyAll } from './dm-trust.js';

export type DmKeys = ReturnType<typeof createDmKeys>;

/**
 * How long a device list is used before a send asks again: a device added a moment ago (the
 * user's own new browser) gets its copy of the next message.
 */
const LIST_FRESH_MS = 5000;

const fingerprints = async (keys: string[]) => (await Promise.all(keys.map(keyFingerprint))).join(', ');

/**
 * Keys for private messages: this browser as a device (key pair and id, loaded or made, and
 * published), every device of each contact and of the user, the safety numbers over them,
 * and what a change of a contact's devices means (state/dm-trust.ts).
 *
 * The crypto API other capabilities use (calls seal their signalling with it):
 * `sealFor(username, text, purpose?)` and `open(from, to, payload, purpose?)`.
 */
export function createDmKeys(ctx: Ctx) {
  const { store } = ctx;
  let identity: DeviceIdentity | undefined;
  /** Bumped when a session ends, so work begun for it cannot touch the next one's state. */
  let generation = 0;
  /** Every device of each user we know of, by lower-case username (ours included). */
  const devicesOf = new Map<string, DeviceKey[]>();
  /** When each list was last asked for: a send asks again when it is older than LIST_FRESH_MS. */
  const fetchedAt = new Map<string, number>();

  const me = () => store.get().me;

  async function fetchDevices(username: string): Promise<DeviceKey[] | { problem: string }> {
    const client = ctx.client;
    if (!client) return { problem: 'Not connected' };
    const result = await client.request('keys:get', { username }, { retries: 1 });
    if (!result.ok) return { problem: describeDmError(result.error, username) };
    // An old server answers one key: that is one device.
    const devices = result.devices ?? [{ deviceId: 'default', publicKey: result.publicKey, updatedAt: '' }];
    devicesOf.set(threadKey(username), devices);
    fetchedAt.set(threadKey(username), Date.now());
    return devices;
  }

  /** Our own devices, for the safety number and for copies to our other browsers. */
  async function refreshMine(): Promise<DeviceKey[]> {
    const user = me();
    if (!user) return [];
    const mine = await fetchDevices(user.username);
    return Array.isArray(mine) ? mine : (devicesOf.get(threadKey(user.username)) ?? []);
  }

  /** Takes a contact's devices into use: the safety number, and what their change means. */
  async function adopt(peer: User, devices: DeviceKey[]): Promise<void> {
    const user = me();
    if (!identity || !user) return;
    const mySession = generation;
    const mine = devicesOf.get(threadKey(user.username)) ?? (await refreshMine());
    const myKeys = mine.some((d) => d.publicKey === identity?.publicKey)
      ? mine.map((d) => d.publicKey)
      : [...mine.map((d) => d.publicKey), identity.publicKey];
    const number = await safetyNumberOf(
      myKeys,
      devices.map((d) => d.publicKey),
    );
    const previous = contactTrust.get(user.id, peer.username);
    const { change, next } = assessDevices(previous, devices);
    contactTrust.set(user.id, peer.username, next);
    const changed =
      change.kind === 'identity-changed'
        ? {
            before: await fingerprints(Object.values(next.verified ?? {})),
            after: await fingerprints(devices.map((d) => d.publicKey)),
          }
        : undefined;
    const notice = describeChange(peer.username, change);
    if (mySession !== generation) return;
    store.set((s) =>
      updateThread(withThread(s, peer), peer.username, (t) => ({
        ...t,
        peerKey: devices[0]?.publicKey,
        peerDevices: devices.map(({ deviceId, publicKey }) => ({ deviceId, publicKey })),
        safetyNumber: number,
        keyChanged: changed,
        verified: isVerified(next),
        deviceNotice: notice ?? t.deviceNotice,
        keyProblem: undefined,
      })),
    );
  }

  /** Asks the server for the contact's devices; a problem is shown in the conversation. */
  async function refresh(peer: User): Promise<void> {
    const devices = await fetchDevices(peer.username);
    if (Array.isArray(devices)) {
      await adopt(peer, devices);
      return;
    }
    const keyProblem = devices.problem;
    store.set((s) => updateThread(s, peer.username, (t) => ({ ...t, keyProblem })));
  }

  /** The devices to seal for: every device of `username`, and our own other devices. */
  async function targetsFor(username: string): Promise<SealTarget[]> {
    const user = me();
    if (!user || !identity) return [];
    const theirs = devicesOf.get(threadKey(username)) ?? [];
    const mine = devicesOf.get(threadKey(user.username)) ?? (await refreshMine());
    const own = threadKey(username) === threadKey(user.username);
    return [
      ...theirs.map((d) => ({ username, deviceId: d.deviceId, publicKey: d.publicKey })),
      ...(own ? [] : mine.map((d) => ({ username: user.username, deviceId: d.deviceId, publicKey: d.publicKey }))),
    ].filter((t) => !(t.username === user.username && t.deviceId === identity?.deviceId));
  }

  return {
    adopt,
    refresh,
    refreshMine,
    identity: () => identity,
    devices: (username: string) => devicesOf.get(threadKey(username)),
    /** Asks the server for `username`'s devices when the list is unknown or out of date (calls seal with it). */
    async ensureDevices(username: string): Promise<void> {
      const known = devicesOf.get(threadKey(username));
      if (!known || Date.now() - (fetchedAt.get(threadKey(username)) ?? 0) > LIST_FRESH_MS)
        await fetchDevices(username);
    },
    /** Whether the list of `username`'s devices may be out of date (a device added elsewhere since). */
    isStale: (username: string) => Date.now() - (fetchedAt.get(threadKey(username)) ?? 0) > LIST_FRESH_MS,

    /**
     * Loads (or makes) this browser's device for the user; answers false when a newer session
     * began, or when this page cannot encrypt at all (no WebCrypto: plain HTTP off localhost).
     */
    async load(userId: string): Promise<boolean> {
      const mySession = generation;
      if (!webCryptoAvailable()) {
        store.set((s) => ({ ...s, dmCrypto: 'insecure' }));
        return false;
      }
      const loaded = await loadDevice(userId);
      if (mySession !== generation) return false;
      identity = loaded.identity;
      store.set((s) => ({ ...s, keyStored: loaded.stored, dmCrypto: 'ready' }));
      return true;
    },

    /** On every connect: idempotent, binds this connection to the device, and a server restored from a backup learns our key again. */
    async publish(): Promise<void> {
      if (!identity) return;
      await ctx.client?.request(
        'keys:publish',
        { publicKey: identity.publicKey, deviceId: identity.deviceId },
        { retries: 2 },
      );
      await refreshMine();
    },

    /**
     * Encrypts `text` for every device of `username` and for our own other devices: the
     * `copies` of a `dm:send` (or of anything else the server relays, with a `purpose`).
     * Empty when `username` has no device we know of: call `refresh` first.
     */
    async sealFor(username: string, text: string, purpose?: string): Promise<DmCopy[]> {
      const user = me();
      if (!identity || !user) throw new Error('no device identity: private messages are not ready');
      const route: SealRoute = { from: user.username, to: username, ...(purpose ? { purpose } : {}) };
      return sealForDevices(identity, route, await targetsFor(username), text);
    },

    /**
     * Decrypts what this device got from `from` in the conversation `from` → `to`; checks the
     * sealing key is one of the sender's devices (asking the server again once when unknown).
     */
    async open(from: User, to: User, payload: string, purpose?: string): Promise<OpenResult> {
      if (!identity) return { ok: false, reason: 'unreadable' };
      const route: SealRoute = { from: from.username, to: to.username, ...(purpose ? { purpose } : {}) };
      const keysOf = () => (devicesOf.get(threadKey(from.username)) ?? []).map((d) => d.publicKey);
      const first = await openSealed(identity, route, payload, keysOf());
      if (first.ok || first.reason !== 'unknown-sender') return first;
      await fetchDevices(from.username);
      return openSealed(identity, route, payload, keysOf());
    },

    /** The user compared safety numbers: every device shown now is verified. */
    verify(username: string): void {
      const user = me();
      const trust = user ? contactTrust.get(user.id, username) : undefined;
      if (!user || !trust) return;
      contactTrust.set(user.id, username, verifyAll(trust));
      store.set((s) =>
        updateThread(s, username, (t) => ({ ...t, verified: true, keyChanged: undefined, deviceNotice: undefined })),
      );
    },

    dismissNotice(username: string): void {
      store.set((s) => updateThread(s, username, (t) => ({ ...t, deviceNotice: undefined })));
    },

    /** Signing out this browser: its key leaves the server's list and this browser. */
    async removeDevice(userId: string): Promise<void> {
      if (identity) await ctx.client?.request('keys:remove', { deviceId: identity.deviceId }, { retries: 1 });
      await forgetDevice(userId);
    },

    reset(): void {
      generation += 1;
      identity = undefined;
      devicesOf.clear();
      fetchedAt.clear();
    },
  };
}
