/**
 * End-to-end encryption of private messages, on WebCrypto only (no hand-rolled primitives):
 * ECDH P-256 between the two users' key pairs derives an AES-GCM 256 key; every message gets a
 * fresh random 12-byte IV. P-256 rather than X25519 because every browser's WebCrypto has it.
 */

const ECDH = { name: 'ECDH', namedCurve: 'P-256' } as const;
const PAYLOAD_VERSION = 1;

export interface Identity {
  /** Non-extractable: script can use it but never read its bytes, not even ours. */
  privateKey: CryptoKey;
  /** The raw public point, base64: what `keys:publish` sends and the safety number hashes. */
  publicKey: string;
}

/** What goes in `dm:send`'s opaque payload, as JSON. */
interface Envelope {
  v: number;
  /** The sender's public key: the recipient derives the key from it and notices when it changes. */
  k: string;
  iv: string;
  ct: string;
}

export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export async function createIdentity(): Promise<Identity> {
  // extractable=false applies to the private key; a public key is always exportable.
  const pair = await crypto.subtle.generateKey(ECDH, false, ['deriveKey']);
  const raw = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  return { privateKey: pair.privateKey, publicKey: toBase64(raw) };
}

/** Throws on anything that is not a valid P-256 point (a corrupt or hostile key). */
export async function deriveSharedKey(privateKey: CryptoKey, peerPublicKey: string): Promise<CryptoKey> {
  const peer = await crypto.subtle.importKey('raw', fromBase64(peerPublicKey), ECDH, false, []);
  return crypto.subtle.deriveKey({ name: 'ECDH', public: peer }, privateKey, { name: 'AES-GCM', length: 256 }, false, [
    'encrypt',
    'decrypt',
  ]);
}

/**
 * Binds a ciphertext to its direction (sender → recipient): the server cannot reflect a
 * message back to its sender or pass it off as coming from someone else.
 */
function associatedData(from: string, to: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`parley-dm-v${PAYLOAD_VERSION}:${from.toLowerCase()}>${to.toLowerCase()}`);
}

export async function encryptMessage(
  key: CryptoKey,
  myPublicKey: string,
  route: { from: string; to: string },
  text: string,
): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: associatedData(route.from, route.to) },
    key,
    new TextEncoder().encode(text),
  );
  const envelope: Envelope = { v: PAYLOAD_VERSION, k: myPublicKey, iv: toBase64(iv), ct: toBase64(new Uint8Array(ct)) };
  return JSON.stringify(envelope);
}

/** The sender's key inside a payload, or undefined when the payload is not one of ours. */
export function readEnvelope(payload: string): Envelope | undefined {
  try {
    const value = JSON.parse(payload) as Partial<Envelope> | null;
    if (value?.v !== PAYLOAD_VERSION) return undefined;
    if (typeof value.k !== 'string' || typeof value.iv !== 'string' || typeof value.ct !== 'string') return undefined;
    return { v: value.v, k: value.k, iv: value.iv, ct: value.ct };
  } catch {
    return undefined;
  }
}

/** Throws when the key is wrong or the ciphertext was altered (AES-GCM authenticates both). */
export async function decryptMessage(
  key: CryptoKey,
  envelope: Envelope,
  route: { from: string; to: string },
): Promise<string> {
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: fromBase64(envelope.iv), additionalData: associatedData(route.from, route.to) },
    key,
    fromBase64(envelope.ct),
  );
  return new TextDecoder().decode(plain);
}

/**
 * The safety number of a pair of keys: SHA-512 over both public keys in a fixed order, shown
 * as 12 groups of 5 digits (each from 5 bytes of the digest, as Signal does). Both sides get the
 * same number; a key swapped by the server (or anyone in between) gives each side a different one.
 */
export async function safetyNumber(keyA: string, keyB: string): Promise<string> {
  const [first, second] = [keyA, keyB].sort();
  const a = fromBase64(first ?? '');
  const b = fromBase64(second ?? '');
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-512', joined));
  const groups: string[] = [];
  for (let i = 0; i < 12; i += 1) {
    // 40 bits fit a double exactly; bit operators would cut them to 32.
    const n = Array.from(digest.slice(i * 5, i * 5 + 5)).reduce((sum, byte) => sum * 256 + byte, 0);
    groups.push(String(n % 100_000).padStart(5, '0'));
  }
  return groups.join(' ');
}

/** A short fingerprint of one key, for the "key changed" warning's before/after. */
export async function keyFingerprint(publicKey: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', fromBase64(publicKey)));
  return Array.from(digest.slice(0, 8), (b) => b.toString(16).padStart(2, '0'))
    .join('')
    .replace(/(.{4})(?!$)/g, '$1 ');
}
