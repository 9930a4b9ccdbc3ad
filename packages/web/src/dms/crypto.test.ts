import { describe, expect, it } from 'vitest';
import {
  createIdentity,
  decryptMessage,
  deriveSharedKey,
  encryptMessage,
  keyFingerprint,
  readEnvelope,
  safetyNumber,
} from './crypto.js';

// Node's WebCrypto is the same API as the browser's: the module runs unchanged here.
describe('private message crypto', () => {
  it('encrypts for the recipient, who alone decrypts it, with a fresh IV each time', async () => {
    const alice = await createIdentity();
    const bob = await createIdentity();
    const eve = await createIdentity();
    const route = { from: 'alice', to: 'Bob' };
    const forBob = await deriveSharedKey(alice.privateKey, bob.publicKey);
    const one = await encryptMessage(forBob, alice.publicKey, route, 'hello bob');
    const two = await encryptMessage(forBob, alice.publicKey, route, 'hello bob');
    expect(one).not.toContain('hello');
    const [a, b] = [readEnvelope(one), readEnvelope(two)];
    if (!a || !b) throw new Error('not an envelope');
    expect(a.iv).not.toBe(b.iv);
    expect(a.ct).not.toBe(b.ct);
    expect(a.k).toBe(alice.publicKey);

    const atBob = await deriveSharedKey(bob.privateKey, a.k);
    expect(await decryptMessage(atBob, a, { from: 'ALICE', to: 'bob' })).toBe('hello bob');
    const atEve = await deriveSharedKey(eve.privateKey, a.k);
    await expect(decryptMessage(atEve, a, route)).rejects.toThrow();
  });

  it('refuses a ciphertext that was altered, or replayed in the other direction', async () => {
    const alice = await createIdentity();
    const bob = await createIdentity();
    const key = await deriveSharedKey(alice.privateKey, bob.publicKey);
    const envelope = readEnvelope(await encryptMessage(key, alice.publicKey, { from: 'alice', to: 'bob' }, 'pay 10'));
    if (!envelope) throw new Error('not an envelope');
    const bytes = Buffer.from(envelope.ct, 'base64');
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    await expect(
      decryptMessage(key, { ...envelope, ct: bytes.toString('base64') }, { from: 'alice', to: 'bob' }),
    ).rejects.toThrow();
    // The server handing Alice's message back to her as if Bob had written it.
    await expect(decryptMessage(key, envelope, { from: 'bob', to: 'alice' })).rejects.toThrow();
  });

  it('gives both sides the same safety number, and another one for another key', async () => {
    const alice = await createIdentity();
    const bob = await createIdentity();
    const mallory = await createIdentity();
    const number = await safetyNumber(alice.publicKey, bob.publicKey);
    expect(number).toMatch(/^\d{5}( \d{5}){11}$/);
    expect(await safetyNumber(bob.publicKey, alice.publicKey)).toBe(number);
    expect(await safetyNumber(alice.publicKey, mallory.publicKey)).not.toBe(number);
    expect(await keyFingerprint(bob.publicKey)).toMatch(/^[0-9a-f]{4}( [0-9a-f]{4}){3}$/);
  });

  it('reads only its own envelopes, and rejects a key that is not a P-256 point', async () => {
    expect(readEnvelope('plain text')).toBeUndefined();
    expect(readEnvelope('{"v":2,"k":"a","iv":"b","ct":"c"}')).toBeUndefined();
    expect(readEnvelope('null')).toBeUndefined();
    const alice = await createIdentity();
    await expect(deriveSharedKey(alice.privateKey, Buffer.alloc(65, 7).toString('base64'))).rejects.toThrow();
  });
});
