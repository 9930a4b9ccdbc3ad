import { createIdentity, type Identity } from './crypto.js';

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
    const made = await createIdentity();
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
