import { describe, expect, it } from 'vitest';
import { createIdentity } from './crypto.js';
import { openSealed, safetyNumberOf, sealForDevices, type DeviceIdentity } from './device-crypto.js';

const device = async (deviceId: string): Promise<DeviceIdentity> => ({ ...(await createIdentity()), deviceId });

describe('sealing for devices', () => {
  it("gives every device its own copy that only it opens, and refuses a key not among the sender's", async () => {
    const ana1 = await device('a1');
    const ana2 = await device('a2');
    const ben1 = await device('b1');
    const ben2 = await device('b2');
    const route = { from: 'ana', to: 'ben' };
    const copies = await sealForDevices(
      ana1,
      route,
      [ben1, ben2, ana2].map((d, i) => ({
        username: i < 2 ? 'ben' : 'ana',
        deviceId: d.deviceId,
        publicKey: d.publicKey,
      })),
      'hello',
    );
    expect(copies.map((c) => c.deviceId)).toEqual(['b1', 'b2', 'a2']);
    const [forBen1, forBen2, forAna2] = copies.map((c) => c.payload);
    const anaKeys = [ana1.publicKey, ana2.publicKey];
    expect(await openSealed(ben1, route, forBen1 ?? '', anaKeys)).toMatchObject({ ok: true, text: 'hello' });
    expect(await openSealed(ben2, route, forBen2 ?? '', anaKeys)).toMatchObject({ ok: true, text: 'hello' });
    expect(await openSealed(ana2, route, forAna2 ?? '', anaKeys)).toMatchObject({ ok: true, text: 'hello' });
    expect(await openSealed(ben2, route, forBen1 ?? '', anaKeys)).toMatchObject({ ok: false, reason: 'unreadable' });
    expect(await openSealed(ben1, route, forBen1 ?? '', [ana2.publicKey])).toMatchObject({
      ok: false,
      reason: 'unknown-sender',
    });
    // Another purpose (a call signal) or direction does not open a message.
    expect(await openSealed(ben1, { ...route, purpose: 'call' }, forBen1 ?? '', anaKeys)).toMatchObject({ ok: false });
    expect(await openSealed(ben1, { from: 'ben', to: 'ana' }, forBen1 ?? '', anaKeys)).toMatchObject({ ok: false });
  });

  it('computes one safety number per pair of people over all their devices, the same on both sides', async () => {
    const a = ['k1', 'k2'];
    const b = ['k3'];
    const n = await safetyNumberOf(a, b);
    expect(n).toMatch(/^(\d{5} ){11}\d{5}$/);
    expect(await safetyNumberOf(b, [...a].reverse())).toBe(n);
    expect(await safetyNumberOf([...a, 'k4'], b)).not.toBe(n);
  });
});
