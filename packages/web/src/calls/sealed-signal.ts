import type { ParleyClient } from '@parley/sdk';
import { decryptMessage, encryptMessage, readEnvelope, safetyNumber } from '../dms/crypto.js';
import type { DmKeys } from '../state/dm-keys.js';

/**
 * The one place call signalling is sealed: offers, answers and ICE candidates travel in
 * `call:signal`'s `data` encrypted with the private-message keys, so the server relays what it
 * cannot read (the peers' addresses) or alter (the DTLS fingerprint in the SDP). Everything else
 * in calls/ goes through seal() and open() only, so that a change of key scheme (per-device keys)
 * is a change of this file.
 *
 * The associated data binds each sealed signal to its direction, and the plaintext repeats the
 * call id and kind: a signal cannot be passed off as a private message, replayed into another
 * call, or turned from an answer into an offer.
 */
export interface SealedSignals {
  seal(peerUsername: string, callId: string, kind: SealedKind, payload: unknown): Promise<string>;
  /** Throws when `data` is not sealed for us by `fromUsername` for this call and kind. */
  open(fromUsername: string, callId: string, kind: SealedKind, data: unknown): Promise<Opened>;
  /** The safety number with a peer's key: the same number the private chat shows. */
  safetyNumberWith(peerKey: string): Promise<string>;
  /** Forgets cached peer keys (a new session). */
  reset(): void;
}

export type SealedKind = 'offer' | 'answer' | 'candidate' | 'reject';

export interface Opened {
  payload: unknown;
  /** The key the peer sealed with: the call's safety number is computed from it. */
  peerKey: string;
}

interface Plain {
  callId: string;
  kind: SealedKind;
  payload: unknown;
}

/** Marks the route so a sealed signal never decrypts as a private message (and the reverse). */
const route = (from: string, to: string) => ({ from: `call:${from}`, to });

export function createSealedSignals(deps: {
  keys: DmKeys;
  client: () => ParleyClient | undefined;
  me: () => string | undefined;
}): SealedSignals {
  const peerKeys = new Map<string, Promise<string>>();

  function peerKey(username: string): Promise<string> {
    const key = username.toLowerCase();
    let found = peerKeys.get(key);
    if (!found) {
      found = (async () => {
        const client = deps.client();
        if (!client) throw new Error('not connected');
        const result = await client.request('keys:get', { username }, { retries: 1 });
        if (!result.ok) throw new Error(result.error.code);
        return result.publicKey;
      })();
      found.catch(() => peerKeys.delete(key));
      peerKeys.set(key, found);
    }
    return found;
  }

  return {
    async seal(peerUsername, callId, kind, payload) {
      const identity = deps.keys.identity();
      const me = deps.me();
      if (!identity || !me) throw new Error('no identity yet');
      const shared = await deps.keys.shared(await peerKey(peerUsername));
      const plain: Plain = { callId, kind, payload };
      return encryptMessage(shared, identity.publicKey, route(me, peerUsername), JSON.stringify(plain));
    },

    async open(fromUsername, callId, kind, data) {
      const me = deps.me();
      const envelope = typeof data === 'string' ? readEnvelope(data) : undefined;
      if (!envelope || !me) throw new Error('not a sealed signal');
      const shared = await deps.keys.shared(envelope.k);
      const plain = JSON.parse(await decryptMessage(shared, envelope, route(fromUsername, me))) as Partial<Plain>;
      if (plain.callId !== callId || plain.kind !== kind) throw new Error('sealed for another call');
      return { payload: plain.payload, peerKey: envelope.k };
    },

    async safetyNumberWith(key) {
      const identity = deps.keys.identity();
      if (!identity) throw new Error('no identity yet');
      return safetyNumber(identity.publicKey, key);
    },

    reset() {
      peerKeys.clear();
    },
  };
}
