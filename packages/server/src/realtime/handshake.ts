/** What both realtime transports read from a handshake. */
import type { IncomingMessage } from 'node:http';
import { parseCookie } from 'cookie';

/** The token a client puts in Socket.IO's handshake `auth` (non-browser clients). */
export function tokenOfAuth(auth: unknown): string | undefined {
  const token = (auth as { token?: unknown } | undefined)?.token;
  return typeof token === 'string' && token.length > 0 ? token : undefined;
}

/**
 * One cookie's value, by the `cookie` package: a value that is not valid percent-encoding
 * (`%E0`) comes back as it was sent instead of throwing, so a bad header cannot stop an
 * upgrade listener; such a token simply matches no session.
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  return parseCookie(header)[name];
}

/** A request target as a URL, or undefined when it is not one (`//a:b`): outside input never throws here. */
export function parseRequestTarget(target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? '/', 'http://localhost');
  } catch {
    return undefined;
  }
}

/**
 * Browsers send Origin: it must be this server's own (scheme and host) or one of
 * ALLOWED_ORIGINS. Clients that send no Origin are not browsers and are let through.
 */
export function isOriginAllowed(req: IncomingMessage, allowedOrigins: string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (allowedOrigins.includes(origin)) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (parsed.host !== req.headers.host) return false;
  const scheme = schemeOf(req);
  // Unknown when TLS ends at a proxy that does not say so: either of the web's schemes, then.
  if (scheme === undefined) return parsed.protocol === 'https:' || parsed.protocol === 'http:';
  return parsed.protocol === `${scheme}:`;
}

/**
 * The scheme the client used, when known: TLS here, or a proxy's `X-Forwarded-Proto`. The
 * header is read whether or not TRUST_PROXY names the proxy: a web page cannot set it on a
 * WebSocket or a simple request, so only a non-browser client could forge it, and such a
 * client can forge Origin as well.
 */
function schemeOf(req: IncomingMessage): 'http' | 'https' | undefined {
  if ((req.socket as { encrypted?: boolean }).encrypted) return 'https';
  const forwarded = req.headers['x-forwarded-proto'];
  const last = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '')).split(',').pop()?.trim();
  return last === 'https' || last === 'http' ? last : undefined;
}
