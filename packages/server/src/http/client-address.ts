import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';
import ipaddr from 'ipaddr.js';

/**
 * Which reverse proxies in front of Parley may be believed about the client's address and
 * scheme (`X-Forwarded-For`, `X-Forwarded-Proto`): none, the nearest N hops, or the proxies
 * at these addresses / CIDR ranges (`loopback`, `linklocal`, `uniquelocal` name Node's ranges).
 * Never "every hop": then the left-most `X-Forwarded-For` entry, which the client writes,
 * would be its address, and a rotating header would walk past every per-address limit.
 */
export type TrustProxy = false | number | string[];

/** proxy-addr's form: may the hop at `address`, `hop` steps from Parley, be believed? */
export type TrustFunction = (address: string, hop: number) => boolean;

const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** Parses `TRUST_PROXY`; throws with a message saying what it takes. */
export function parseTrustProxy(text: string): TrustProxy {
  const value = text.trim();
  if (value === '' || value === 'false' || value === '0') return false;
  if (value === 'true' || value === 'all' || value === '*') {
    throw new Error(
      'must not trust every hop (a client could then choose its own address): give the number of proxies in front of Parley or their addresses',
    );
  }
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  for (const entry of entries) {
    if (NAMED_RANGES.has(entry)) continue;
    try {
      proxyAddr.compile(entry);
    } catch {
      throw new Error(
        `"${entry}" is neither a number of hops, an address, a CIDR range nor loopback/linklocal/uniquelocal`,
      );
    }
  }
  return entries;
}

/** Express's and proxy-addr's meaning of each form: a hop count trusts that many nearest hops. */
export function compileTrust(trust: TrustProxy): TrustFunction {
  if (trust === false) return () => false;
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return proxyAddr.compile(trust);
}

/**
 * The client's address under `trust`: the socket's peer, or the nearest `X-Forwarded-For`
 * entry that no trusted proxy wrote. The same rule as Fastify's `request.ip` (app.ts gives
 * Fastify the same function), for HTTP requests and realtime handshakes alike.
 */
export function clientAddressOf(req: IncomingMessage, trust: TrustFunction): string {
  // A socket that closed has no address left; all such requests share one key.
  if (req.socket.remoteAddress === undefined) return 'unknown';
  return proxyAddr(req, trust);
}

/**
 * The key a per-address limit counts under. An IPv6 client usually holds a whole /64, so
 * its addresses are counted as one; IPv4 (also IPv4-mapped IPv6) is counted per address.
 */
export function addressKey(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  return `${parsed.toNormalizedString().split(':').slice(0, 4).join(':')}::/64`;
}
