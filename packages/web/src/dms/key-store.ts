import { createIdentity, type Identity } from './crypto.js';
import type { DeviceIdentity } from './device-crypto.js';
import { newUuid } from '../state/uuid.js';

/**
 * The user's key pair lives in IndexedDB, per user id: a returning user keeps the same
 * identity (and safety numbers) across reloads. IndexedDB stores the CryptoKey by structured
 * clone, so the non-extractable private key is never turned into bytes that script could read.
 */
const DB_NAME = 'parley-keys';
const STORE = 'identities';

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('indexedDB.open failed'));
  });
}

function run<T>(db: IDBDatabase, mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest): Promise<T> {
  return new Promise((resolve, reject) => {
    const request = work(db.transaction(STORE, mode).objectStore(STORE));
    request.onsuccess = () => resolve(request.result as T);
    request.onerror = () => reject(request.error ?? new Error('indexedDB request failed'));
  });
}

function isIdentity(value: unknown): value is Identity {
  const v = value as Partial<Identity> | undefined;
  return v?.privateKey instanceof CryptoKey && typeof v.publicKey === 'string';
}

/** A key pair stored before devices existed gets its device id now (and keeps its key). */
const asDevice = (identity: Identity & { deviceId?: unknown }): DeviceIdentity => ({
  privateKey: identity.privateKey,
  publicKey: identity.publicKey,
  deviceId: typeof identity.deviceId === 'string' ? identity.deviceId : newUuid(),
});

/**
 * This browser as a device of the user: its key pair and its id, made on first use and kept
 * (the id is added to a key pair stored before devices existed).
 */
export async function loadDevice(userId: string): Promise<{ identity: DeviceIdentity; stored: boolean }> {
  const loaded = await loadIdentity(userId);
  const device = asDevice(loaded.identity);
  if (loaded.stored && (loaded.identity as { deviceId?: unknown }).deviceId !== device.deviceId) {
    try {
      const db = await openDb();
      try {
        await run(db, 'readwrite', (s) => s.put(device, userId));
      } finally {
        db.close();
      }
    } catch {
      // The id lasts for this page; the next load makes another (a new device, noticed neutrally).
    }
  }
  return { identity: device, stored: loaded.stored };
}

/** Signing this device out: its private key leaves the browser, so the next sign-in is a new device. */
export async function forgetDevice(userId: string): Promise<void> {
  try {
    const db = await openDb();
    try {
      await run(db, 'readwrite', (s) => s.delete(userId));
    } finally {
      db.close();
    }
  } catch {
    // Nothing stored, or no IndexedDB: nothing to forget.
  }
}

/**
 * This browser's identity for the user, made on first use. When IndexedDB is unavailable
 * (some private modes) the identity lasts for this page only; `stored` says which it is.
 */
export async function loadIdentity(userId: string): Promise<{ identity: Identity; stored: boolean }> {
  let db: IDBDatabase;
  try {
    db = await openDb();
  } catch {
    return { identity: await createIdentity(), stored: false };
  }
  try {
    const existing = await run<unknown>(db, 'readonly', (s) => s.get(userId));
    if (isIdentity(existing)) return { identity: existing, stored: true };
    const made = { ...(await createIdentity()), deviceId: newUuid() };
    try {
      // add() refuses to overwrite: a second tab that made its own key first wins, and we use its key.
      await run(db, 'readwrite', (s) => s.add(made, userId));
      return { identity: made, stored: true };
    } catch {
      const winner = await run<unknown>(db, 'readonly', (s) => s.get(userId));
      return isIdentity(winner) ? { identity: winner, stored: true } : { identity: made, stored: false };
    }
  } catch {
    return { identity: await createIdentity(), stored: false };
  } finally {
    db.close();
  }
}
