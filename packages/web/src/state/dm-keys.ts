import type { User } from '@parley/protocol';
import { deriveSharedKey, keyFingerprint, safetyNumber, type Identity } from '../dms/crypto.js';
import { loadIdentity } from '../dms/key-store.js';
import { knownKeys } from '../dms/known-keys.js';
import type { Ctx } from './context.js';
import { describeDmError } from './dm-errors.js';
import { threadKey, updateThread, withThread } from './dm-threads.js';

export type DmKeys = ReturnType<typeof createDmKeys>;

/**
 * Keys for private messages: this browser's identity (loaded or made, and published), the
 * contacts' keys with their safety numbers, and the trust-on-first-use check that raises the
 * "key changed" warning.
 */
export function createDmKeys(ctx: Ctx) {
  const { store } = ctx;
  let identity: Identity | undefined;
  /** Bumped when a session ends, so work begun for it cannot touch the next one's state. */
  let generation = 0;
  /** Shared AES keys by the peer's public key: deriving is cheap, but not free per message. */
  const sharedKeys = new Map<string, Promise<CryptoKey>>();

  /** Takes a contact's key into use, and raises the warning when it is not the one trusted before. */
  async function adopt(peer: User, publicKey: string): Promise<void> {
    const mine = identity;
    const user = store.get().me;
    if (!mine || !user) return;
    const mySession = generation;
    const number = await safetyNumber(mine.publicKey, publicKey);
    const trusted = knownKeys.get(user.id, peer.username);
    if (!trusted) knownKeys.set(user.id, peer.username, publicKey);
    const changed =
      trusted && trusted !== publicKey
        ? { before: await keyFingerprint(trusted), after: await keyFingerprint(publicKey) }
        : undefined;
    if (mySession !== generation) return;
    store.set((s) =>
      updateThread(withThread(s, peer), peer.username, (t) => ({
        ...t,
        peerKey: publicKey,
        safetyNumber: number,
        keyChanged: changed,
        keyProblem: undefined,
      })),
    );
  }

  return {
    adopt,
    identity: () => identity,

    /** Loads (or makes) this browser's key pair for the user; answers false when a newer session began. */
    async load(userId: string): Promise<boolean> {
      const mySession = generation;
      const loaded = await loadIdentity(userId);
      if (mySession !== generation) return false;
      identity = loaded.identity;
      store.set((s) => ({ ...s, keyStored: loaded.stored }));
      return true;
    },

    /** On every connect: idempotent, and a server restored from a backup learns our key again. */
    async publish(): Promise<void> {
      if (identity) await ctx.client?.request('keys:publish', { publicKey: identity.publicKey }, { retries: 2 });
    },

    shared(peerKey: string): Promise<CryptoKey> {
      let key = sharedKeys.get(peerKey);
      if (!key && identity) {
        key = deriveSharedKey(identity.privateKey, peerKey);
        key.catch(() => sharedKeys.delete(peerKey));
        sharedKeys.set(peerKey, key);
      }
      return key ?? Promise.reject(new Error('no identity yet'));
    },

    /** Asks the server for the contact's current key; a problem is shown in the conversation. */
    async refresh(peer: User): Promise<void> {
      const client = ctx.client;
      if (!client) return;
      const result = await client.request('keys:get', { username: peer.username }, { retries: 1 });
      if (result.ok) {
        await adopt(peer, result.publicKey);
        return;
      }
      const keyProblem = describeDmError(result.error, peer.username);
      store.set((s) => updateThread(s, peer.username, (t) => ({ ...t, keyProblem })));
    },

    /** The user compared safety numbers (or chose to go on): the new key becomes the trusted one. */
    trust(username: string): void {
      const user = store.get().me;
      const thread = store.get().dms[threadKey(username)];
      if (!user || !thread?.peerKey) return;
      knownKeys.set(user.id, username, thread.peerKey);
      store.set((s) => updateThread(s, username, (t) => ({ ...t, keyChanged: undefined })));
    },

    reset(): void {
      generation += 1;
      identity = undefined;
      sharedKeys.clear();
    },
  };
}
