import type { IncomingMessage } from 'node:http';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { addressKey, clientAddressOf, compileTrust, parseTrustProxy } from './client-address.js';

function fakeRequest(remoteAddress: string, forwardedFor?: string): IncomingMessage {
  const headers = forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor };
  return { socket: { remoteAddress }, headers } as unknown as IncomingMessage;
}

describe('TRUST_PROXY', () => {
  it('takes a number of hops, or addresses, CIDR ranges and named ranges', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8,fd00::1' }).trustProxy).toEqual([
      'loopback',
      '10.0.0.0/8',
      'fd00::1',
    ]);
  });

  it('refuses "trust every hop" and anything that is not an address, naming the variable', () => {
    for (const value of ['true', 'all', '*']) {
      expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(/TRUST_PROXY: must not trust every hop/);
    }
    expect(() => loadConfig({ TRUST_PROXY: 'proxy.example' })).toThrow(/TRUST_PROXY: "proxy.example"/);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/99' })).toThrow(/TRUST_PROXY/);
  });

  it('with N hops, believes the N nearest X-Forwarded-For entries and no further', () => {
    const trust = compileTrust(parseTrustProxy('1'));
    expect(clientAddressOf(fakeRequest('10.0.0.1', 'forged, 198.51.100.7'), trust)).toBe('198.51.100.7');
    expect(clientAddressOf(fakeRequest('10.0.0.1'), trust)).toBe('10.0.0.1');
    const two = compileTrust(parseTrustProxy('2'));
    expect(clientAddressOf(fakeRequest('10.0.0.1', 'forged, 198.51.100.7, 10.0.0.2'), two)).toBe('198.51.100.7');
  });

  it('with addresses, believes only hops from those addresses', () => {
    const trust = compileTrust(parseTrustProxy('10.0.0.0/8'));
    expect(clientAddressOf(fakeRequest('10.0.0.1', 'forged, 198.51.100.7'), trust)).toBe('198.51.100.7');
    // A client that is not the proxy cannot name its own address.
    expect(clientAddressOf(fakeRequest('198.51.100.9', '10.1.2.3'), trust)).toBe('198.51.100.9');
  });

  it('unset, ignores X-Forwarded-For', () => {
    const trust = compileTrust(parseTrustProxy(''));
    expect(clientAddressOf(fakeRequest('198.51.100.9', '10.1.2.3, 10.1.2.4'), trust)).toBe('198.51.100.9');
  });

  it('gives Fastify the same answer as the realtime transports', async () => {
    for (const setting of ['1', 'loopback', '']) {
      const trust = compileTrust(parseTrustProxy(setting));
      const app = Fastify({ trustProxy: trust });
      app.get('/', (request) => ({ ip: request.ip, ours: clientAddressOf(request.raw, trust) }));
      const answer = await app.inject({
        url: '/',
        remoteAddress: '127.0.0.1',
        headers: { 'x-forwarded-for': '10.9.9.9, 198.51.100.7' },
      });
      const { ip, ours } = answer.json<{ ip: string; ours: string }>();
      expect(ip).toBe(ours);
      await app.close();
    }
  });
});

describe('the key a per-address limit counts under', () => {
  it('is the address for IPv4 (mapped or not), and the /64 for IPv6', () => {
    expect(addressKey('198.51.100.7')).toBe('198.51.100.7');
    expect(addressKey('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe(addressKey('2001:db8:1:2:bbbb::9'));
    expect(addressKey('2001:db8:1:2::1')).not.toBe(addressKey('2001:db8:1:3::1'));
  });
});
